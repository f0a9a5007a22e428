import type { Redis } from 'ioredis';
import type { Connection } from 'mongoose';
import {
  createLogger,
  createMetrics,
  createRedis,
  createSubgraphServer,
  optional,
  type Logger,
  type ServiceMetrics,
  type SubgraphServer,
} from '@polystore/platform';
import { CategoryCache } from './category/category.cache';
import { CategoryRepository } from './category/category.repository';
import type { CatalogConfig } from './config';
import { createContext, type CatalogContext } from './context';
import { connectMongo, databaseName, mongoGuard } from './db';
import { createModels, type ProductDoc } from './models';
import { TwoLevelProductCache } from './product/product.cache';
import { SharedLoads } from './product/shared-loads';
import { ProductRepository } from './product/product.repository';
import { resolvers } from './resolvers';

export interface Catalog {
  server: SubgraphServer;
  connection: Connection;
  /** The product cache's Redis, when CATALOG_REDIS_URL is set. */
  redis: Redis | undefined;
  logger: Logger;
  metrics: ServiceMetrics;
  stop(): Promise<void>;
}

/** The composition root, shared by main.ts and the tests. */
export async function createCatalog(config: CatalogConfig, deps: { logger?: Logger } = {}): Promise<Catalog> {
  const logger = deps.logger ?? createLogger('catalog', config.LOG_LEVEL);
  const metrics = createMetrics('catalog');
  const connection = await connectMongo({
    url: config.MONGO_URL,
    dbName: databaseName(config.MONGO_URL, config.CATALOG_DB_NAME),
    poolSize: config.CATALOG_DB_POOL_SIZE,
    metrics,
  });
  const mongodb = mongoGuard(connection, { logger, metrics });
  const models = createModels(connection);
  const productRepository = new ProductRepository(models);
  // The Redis level of the product cache is an optimisation: the catalog starts and answers
  // without it (misses go to the store) and ioredis reconnects in the background. While Redis
  // cannot answer, every lookup fails at once (no offline queue) and is skipped, never waited on.
  const redis = config.CATALOG_REDIS_URL
    ? createRedis(config.CATALOG_REDIS_URL, metrics, { commandTimeout: config.REDIS_COMMAND_TIMEOUT_MS, logger })
    : undefined;
  await redis?.connect().catch(() => undefined);
  const cache = new TwoLevelProductCache(redis, {
    l1Seconds: config.PRODUCT_CACHE_L1_SECONDS,
    l2Seconds: config.PRODUCT_CACHE_L2_SECONDS,
    registry: metrics.registry,
    onUnavailable: () => metrics.storeFallbacks.inc({ store: 'redis', use: 'product_cache' }),
  });
  const categoryRepository = new CategoryRepository(models);
  const context = createContext({
    products: productRepository,
    categories: categoryRepository,
    productCache: cache,
    categoryCache: new CategoryCache(categoryRepository, config.CATEGORY_CACHE_TTL_SECONDS),
    storeLoads: new SharedLoads<ProductDoc>(),
    options: { currency: config.STORE_CURRENCY, lowStockThreshold: config.LOW_STOCK_THRESHOLD },
  });
  const server = await createSubgraphServer<CatalogContext>({
    name: 'catalog',
    resolvers,
    signingSecret: config.CATALOG_SIGNING_SECRET,
    context,
    stores: [mongodb],
    // the product cache's shared level: without it reads go to the store, so only "degraded"
    readiness: redis ? { redis: optional(() => redis.ping()) } : {},
    logger,
    metrics,
    config,
  });
  return {
    server,
    connection,
    redis,
    logger,
    metrics,
    async stop() {
      await server.stop();
      await connection.close();
      redis?.disconnect();
    },
  };
}
