import type { Redis } from 'ioredis';
import {
  createLogger,
  createMetrics,
  createRedis,
  createSubgraphServer,
  type Logger,
  type ServiceMetrics,
  type SubgraphServer,
} from '@polystore/platform';
import { MAX_QUANTITY } from './cart/cart.model';
import { CartRepository } from './cart/cart.repository';
import { CartService } from './cart/cart.service';
import { GraphProductDirectory, type ProductDirectory } from './cart/product-directory';
import type { CartConfig } from './config';
import type { CartContext } from './context';
import { createLoaders } from './loaders';
import { resolvers } from './resolvers';

export interface Cart {
  server: SubgraphServer;
  redis: Redis;
  logger: Logger;
  metrics: ServiceMetrics;
  /** Stop taking requests, finish the in-flight ones, close the Redis connection. */
  stop(): Promise<void>;
}

/** The composition root, shared by main.ts and the tests. */
export async function createCart(
  config: CartConfig,
  deps: { products?: ProductDirectory; logger?: Logger; now?: () => Date } = {},
): Promise<Cart> {
  const logger = deps.logger ?? createLogger('cart', config.LOG_LEVEL);
  const metrics = createMetrics('cart');
  // Redis is the cart's database: without it the cart answers SERVICE_UNAVAILABLE at once (redisCall).
  const redis = createRedis(config.CART_REDIS_URL, metrics, {
    commandTimeout: config.REDIS_COMMAND_TIMEOUT_MS,
    logger,
  });
  await redis.connect();
  const repository = new CartRepository(redis, { maxItems: config.CART_MAX_ITEMS, maxQuantity: MAX_QUANTITY });
  const products =
    deps.products ??
    new GraphProductDirectory(() => config.GRAPH_URL, {
      service: 'cart',
      secret: config.CART_SIGNING_SECRET,
    });
  const carts = new CartService(repository, products, {
    keyPrefix: config.CART_KEY_PREFIX,
    userTtlSeconds: config.CART_USER_TTL_SECONDS,
    anonymousTtlSeconds: config.CART_ANONYMOUS_TTL_SECONDS,
    maxItems: config.CART_MAX_ITEMS,
    logger,
    ...(deps.now ? { now: deps.now } : {}),
  });
  const server = await createSubgraphServer<CartContext>({
    name: 'cart',
    resolvers,
    signingSecret: config.CART_SIGNING_SECRET,
    context: async ({ requestId, viewer }) => ({
      requestId,
      viewer,
      loaders: createLoaders(carts, viewer),
      services: { carts },
    }),
    readiness: { redis: () => redis.ping() },
    logger,
    metrics,
    config,
  });
  return {
    server,
    redis,
    logger,
    metrics,
    async stop() {
      await server.stop();
      await redis.quit();
    },
  };
}
