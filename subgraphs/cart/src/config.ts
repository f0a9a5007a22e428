import { z } from 'zod';
import { baseEnv, loadConfig, port, redisClientEnv, signingSecret, urlWithScheme } from '@polystore/platform';

const DAY = 24 * 3600;
const ttl = (fallback: number) =>
  z.coerce
    .number()
    .int()
    .min(1)
    .max(365 * DAY)
    .default(fallback);

export const cartEnv = {
  ...baseEnv,
  PORT: port(4003),
  /** Shared with the gateway, which signs every request it sends here. */
  CART_SIGNING_SECRET: signingSecret(),
  /** redis:// URL of the `cart` ACL user, which may touch only keys starting with `cart:`. */
  CART_REDIS_URL: urlWithScheme('redis', 'rediss'),
  /** Deadline of one Redis command: past it, the cart answers SERVICE_UNAVAILABLE. */
  ...redisClientEnv,
  /**
   * Prefix of every key the service writes: `cart:` in production; tests use `cart:t_<suffix>:` so
   * that parallel runs on one Redis never see each other's carts (the ACL allows only `cart:*`).
   */
  CART_KEY_PREFIX: z
    .string()
    .regex(/^cart:([a-z0-9_]{1,40}:)?$/, 'must be `cart:` or `cart:<namespace>:`')
    .default('cart:'),
  /** A signed-in user's cart expires after this long without use (default 30 days). */
  CART_USER_TTL_SECONDS: ttl(30 * DAY),
  /** An anonymous session's cart expires after this long without use (default 7 days). */
  CART_ANONYMOUS_TTL_SECONDS: ttl(7 * DAY),
  /** Different products one cart may hold. */
  CART_MAX_ITEMS: z.coerce.number().int().min(1).max(500).default(100),
  /** The public GraphQL endpoint, through which the cart checks that a product exists and is sold. */
  GRAPH_URL: urlWithScheme('http', 'https').default('http://127.0.0.1:4000/graphql'),
};

export type CartConfig = ReturnType<typeof loadCartConfig>;

export function loadCartConfig(env: NodeJS.ProcessEnv = process.env) {
  return loadConfig('cart', cartEnv, env);
}
