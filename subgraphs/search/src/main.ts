import { configOrExit, createLogger, redactUrl, runService } from '@polystore/platform';
import { createSearch } from './app';
import { loadSearchConfig } from './config';

const config = configOrExit(() => loadSearchConfig());
const logger = createLogger('search', config.LOG_LEVEL);

void runService('search', logger, async () => {
  const search = await createSearch(config, { logger });
  const address = await search.server.listen(config.PORT, config.HOST);
  logger.info(
    {
      url: `http://${address.address}:${address.port}/graphql`,
      elasticsearch: redactUrl(config.ELASTICSEARCH_URL),
      alias: config.SEARCH_INDEX_ALIAS,
    },
    'search listening',
  );
  return search;
});
