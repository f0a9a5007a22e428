import {
  checkoutPrivateKey,
  createLogger,
  createMetrics,
  createSubgraphServer,
  type Logger,
  type SubgraphServer,
  transactions,
} from '@polystore/platform';
import type { OrdersConfig } from './config';
import { createContext, type OrdersContext } from './context';
import { createDb, type Db } from './db';
import { OrderRepository } from './order/order.repository';
import { GraphProductCatalog, type ProductCatalog } from './order/product-catalog';
import { resolvers } from './resolvers';

export interface Orders {
  server: SubgraphServer;
  db: Db;
  logger: Logger;
  metrics: ReturnType<typeof createMetrics>;
  /** Stop taking requests, finish the in-flight ones, close the pool. */
  stop(): Promise<void>;
}

/** The composition root, shared by main.ts and the tests. */
export async function createOrders(
  config: OrdersConfig,
  deps: { products?: ProductCatalog; logger?: Logger } = {},
): Promise<Orders> {
  const logger = deps.logger ?? createLogger('orders', config.LOG_LEVEL);
  const metrics = createMetrics('orders');
  const db = createDb({ url: config.ORDERS_DATABASE_URL, poolSize: config.ORDERS_DB_POOL_SIZE, metrics, logger });
  const orderRepository = new OrderRepository(db);
  const products =
    deps.products ??
    new GraphProductCatalog(() => config.GRAPH_URL, {
      service: 'orders',
      secret: config.ORDERS_SIGNING_SECRET,
    });
  const options = {
    currency: config.STORE_CURRENCY,
    checkoutKey: checkoutPrivateKey(config.ORDERS_CHECKOUT_PRIVATE_KEY),
    checkoutTtlSeconds: config.CHECKOUT_TOKEN_TTL_SECONDS,
  };
  const server = await createSubgraphServer<OrdersContext>({
    name: 'orders',
    resolvers,
    signingSecret: config.ORDERS_SIGNING_SECRET,
    context: createContext({
      orders: orderRepository,
      catalog: products,
      options,
      withTransaction: transactions(db),
    }),
    stores: [db.$storeGuard()],
    logger,
    metrics,
    config,
  });
  return {
    server,
    db,
    logger,
    metrics,
    async stop() {
      await server.stop();
      await db.$disconnect();
    },
  };
}
