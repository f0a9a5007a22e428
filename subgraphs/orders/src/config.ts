import os from 'node:os';
import { z } from 'zod';
import { baseEnv, defaultPoolSize, loadConfig, port, signingSecret, urlWithScheme } from '@polystore/platform';

export const CURRENCIES = ['EUR', 'USD', 'GBP'] as const;
export type Currency = (typeof CURRENCIES)[number];

export const ordersEnv = {
  ...baseEnv,
  PORT: port(4004),
  /** Shared with the gateway, which signs every request it sends here. */
  ORDERS_SIGNING_SECRET: signingSecret(),
  /** The service's own role (DML only); migrations use ORDERS_MIGRATE_DATABASE_URL. */
  ORDERS_DATABASE_URL: urlWithScheme('postgresql', 'postgres'),
  ORDERS_DB_POOL_SIZE: z.coerce.number().int().min(1).max(100).default(defaultPoolSize(os.availableParallelism())),
  /** The public GraphQL endpoint, through which orders reads products' names and prices. */
  GRAPH_URL: urlWithScheme('http', 'https').default('http://127.0.0.1:4000/graphql'),
  /** Every order is in this currency; a product priced in another cannot be ordered. */
  STORE_CURRENCY: z.enum(CURRENCIES).default('EUR'),
};

export type OrdersConfig = ReturnType<typeof loadOrdersConfig>;

export function loadOrdersConfig(env: NodeJS.ProcessEnv = process.env) {
  return loadConfig('orders', ordersEnv, env);
}
