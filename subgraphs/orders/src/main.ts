import { configOrExit, createLogger, redactUrl, runService } from '@polystore/platform';
import { createOrders } from './app';
import { loadOrdersConfig } from './config';

const config = configOrExit(() => loadOrdersConfig());
const logger = createLogger('orders', config.LOG_LEVEL);

void runService('orders', logger, async () => {
  const orders = await createOrders(config, { logger });
  const address = await orders.server.listen(config.PORT, config.HOST);
  logger.info(
    { url: `http://${address.address}:${address.port}/graphql`, database: redactUrl(config.ORDERS_DATABASE_URL) },
    'orders listening',
  );
  return orders;
});
