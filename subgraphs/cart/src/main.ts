import { configOrExit, createLogger, redactUrl, runService } from '@polystore/platform';
import { createCart } from './app';
import { loadCartConfig } from './config';

const config = configOrExit(() => loadCartConfig());
const logger = createLogger('cart', config.LOG_LEVEL);

void runService('cart', logger, async () => {
  const cart = await createCart(config, { logger });
  const address = await cart.server.listen(config.PORT, config.HOST);
  logger.info(
    { url: `http://${address.address}:${address.port}/graphql`, redis: redactUrl(config.CART_REDIS_URL) },
    'cart listening',
  );
  return cart;
});
