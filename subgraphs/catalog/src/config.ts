import os from 'node:os';
import { z } from 'zod';
import {
  baseEnv,
  defaultPoolSize,
  loadConfig,
  port,
  redisClientEnv,
  signingSecret,
  urlWithScheme,
} from '@polystore/platform';

export const CURRENCIES = ['EUR', 'USD', 'GBP'] as const;

export const catalogEnv = {
  ...baseEnv,
  PORT: port(4002),
  /** Shared with the gateway, which signs every request it sends here. */
  CATALOG_SIGNING_SECRET: signingSecret(),
  /** mongodb:// URL with the catalog's own credentials (FerretDB locally, MongoDB under compose). */
  MONGO_URL: urlWithScheme('mongodb', 'mongodb+srv'),
  /** Database name; defaults to the one in MONGO_URL's path, else `catalog`. */
  CATALOG_DB_NAME: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,63}$/)
    .optional(),
  CATALOG_DB_POOL_SIZE: z.coerce.number().int().min(1).max(100).default(defaultPoolSize(os.availableParallelism())),
  /** The currency every price is kept in. */
  STORE_CURRENCY: z.enum(CURRENCIES).default('EUR'),
  /** Redis for the shared product cache (user `catalog`, keys `cat:*`); without it only the process cache is used. */
  CATALOG_REDIS_URL: urlWithScheme('redis', 'rediss').optional(),
  /** Deadline of one product-cache command: past it the cache is skipped and the store read. */
  ...redisClientEnv,
  /** Seconds a product stays in the process cache (0 disables it) and in Redis. */
  PRODUCT_CACHE_L1_SECONDS: z.coerce.number().int().min(0).max(60).default(5),
  PRODUCT_CACHE_L2_SECONDS: z.coerce.number().int().min(1).max(3600).default(120),
  /** Stock at or below which a product shows LOW_STOCK. */
  LOW_STOCK_THRESHOLD: z.coerce.number().int().min(0).max(1000).default(5),
  /** Seconds categories stay in the in-process cache. */
  CATEGORY_CACHE_TTL_SECONDS: z.coerce.number().int().min(0).max(3600).default(30),
};

export type CatalogConfig = ReturnType<typeof loadCatalogConfig>;

export function loadCatalogConfig(env: NodeJS.ProcessEnv = process.env) {
  return loadConfig('catalog', catalogEnv, env);
}
