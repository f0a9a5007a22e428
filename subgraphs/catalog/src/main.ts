import { configOrExit, createLogger, redactUrl, runService } from '@polystore/platform';
import { createCatalog } from './app';
import { loadCatalogConfig } from './config';

const config = configOrExit(() => loadCatalogConfig());
const logger = createLogger('catalog', config.LOG_LEVEL);

void runService('catalog', logger, async () => {
  const catalog = await createCatalog(config, { logger });
  const address = await catalog.server.listen(config.PORT, config.HOST);
  logger.info(
    { url: `http://${address.address}:${address.port}/graphql`, mongo: redactUrl(config.MONGO_URL) },
    'catalog listening',
  );
  return catalog;
});
