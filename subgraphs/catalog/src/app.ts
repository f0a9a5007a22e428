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
import { CategoryRepository } from './category/category.repository';
import { CategoryService } from './category/category.service';
import type { CatalogConfig } from './config';
import type { CatalogContext } from './context';
import { connectMongo, databaseName, mongoGuard } from './db';
import { createLoaders } from './loaders';
import { createModels, type ProductDoc } from './models';
import { TwoLevelProductCache } from './product/product.cache';
import { SharedLoads } from './product/shared-loads';
import { ProductRepository } from './product/product.repository';
import { ProductService } from './product/product.service';
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
  const storeLoads = new SharedLoads<ProductDoc>();
  const categories = new CategoryService(new CategoryRepository(models), config.CATEGORY_CACHE_TTL_SECONDS);
  const services = {
    categories,
    products: new ProductService(productRepository, categories, { currency: config.STORE_CURRENCY }, cache),
  };
  const server = await createSubgraphServer<CatalogContext>({
    name: 'catalog',
    resolvers,
    signingSecret: config.CATALOG_SIGNING_SECRET,
    context: async ({ requestId, viewer }) => ({
      requestId,
      viewer,
      loaders: createLoaders(productRepository, cache, storeLoads),
      lowStockThreshold: config.LOW_STOCK_THRESHOLD,
      services,
    }),
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
