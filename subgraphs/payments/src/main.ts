import { configOrExit, createLogger, redactUrl, runService } from '@polystore/platform';
import { createPayments } from './app';
import { loadPaymentsConfig } from './config';

const config = configOrExit(() => loadPaymentsConfig());
const logger = createLogger('payments', config.LOG_LEVEL);

void runService('payments', logger, async () => {
  const payments = await createPayments(config, { logger });
  const address = await payments.server.listen(config.PORT, config.HOST);
  logger.info(
    { url: `http://${address.address}:${address.port}/graphql`, database: redactUrl(config.PAYMENTS_DATABASE_URL) },
    'payments listening',
  );
  return payments;
});
