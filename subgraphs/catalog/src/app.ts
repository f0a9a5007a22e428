import type { Connection } from 'mongoose';
import {
  createLogger,
  createMetrics,
  createSubgraphServer,
  loadSubgraphSdl,
  type Logger,
  type ServiceMetrics,
  type SubgraphServer,
} from '@polystore/platform';
import { CategoryRepository } from './category/category.repository';
import { CategoryService } from './category/category.service';
import type { CatalogConfig } from './config';
import type { CatalogContext } from './context';
import { connectMongo, databaseName } from './db';
import { createLoaders } from './loaders';
import { createModels } from './models';
import { ProductRepository } from './product/product.repository';
import { ProductService } from './product/product.service';
import { resolvers } from './resolvers';

export interface Catalog {
  server: SubgraphServer;
  connection: Connection;
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
  const models = createModels(connection);
  const productRepository = new ProductRepository(models);
  const categories = new CategoryService(new CategoryRepository(models), config.CATEGORY_CACHE_TTL_SECONDS);
  const services = {
    categories,
    products: new ProductService(productRepository, categories, { currency: config.STORE_CURRENCY }),
  };
  const server = await createSubgraphServer<CatalogContext>({
    name: 'catalog',
    typeDefs: loadSubgraphSdl('catalog'),
    resolvers,
    signingSecret: config.CATALOG_SIGNING_SECRET,
    context: async (req, viewer) => ({
      requestId: String(req.headers['x-request-id']),
      viewer,
      loaders: createLoaders(productRepository),
      services,
    }),
    readiness: { mongodb: () => connection.db!.command({ ping: 1 }) },
    logger,
    metrics,
    production: config.NODE_ENV === 'production',
    slowOperationMs: config.SLOW_OPERATION_MS,
  });
  return {
    server,
    connection,
    logger,
    metrics,
    async stop() {
      await server.stop();
      await connection.close();
    },
  };
}
