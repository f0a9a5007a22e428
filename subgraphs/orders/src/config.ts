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
  /**
   * Ed25519 private key (base64 PKCS#8 DER) signing checkout tokens; payments holds the public
   * half (PAYMENTS_CHECKOUT_PUBLIC_KEY). See docs/adr/0006.
   */
  ORDERS_CHECKOUT_PRIVATE_KEY: z.string().min(40, 'must be a base64 PKCS#8 Ed25519 private key'),
  /** How long a checkout token stays valid. */
  CHECKOUT_TOKEN_TTL_SECONDS: z.coerce.number().int().min(60).max(86_400).default(3600),
};

export type OrdersConfig = ReturnType<typeof loadOrdersConfig>;

export function loadOrdersConfig(env: NodeJS.ProcessEnv = process.env) {
  return loadConfig('orders', ordersEnv, env);
}
