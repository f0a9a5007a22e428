import { configOrExit, createLogger, redactUrl, runService } from '@polystore/platform';
import { createAccounts } from './app';
import { loadAccountsConfig } from './config';

const config = configOrExit(() => loadAccountsConfig());
const logger = createLogger('accounts', config.LOG_LEVEL);

void runService('accounts', logger, async () => {
  const accounts = await createAccounts(config, { logger });
  const address = await accounts.server.listen(config.PORT, config.HOST);
  logger.info(
    { url: `http://${address.address}:${address.port}/graphql`, database: redactUrl(config.ACCOUNTS_DATABASE_URL) },
    'accounts listening',
  );
  return accounts;
});
