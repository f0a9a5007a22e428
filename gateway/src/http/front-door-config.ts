import path from 'node:path';
import { z } from 'zod';
import { redisClientEnv, schemaDir, urlWithScheme } from '@polystore/platform';

const flag = (fallback: boolean) => z.stringbool().default(fallback);
const limit = (fallback: number) => z.coerce.number().int().min(1).default(fallback);

/**
 * Settings of the gateway's front door: sessions, cookies, rate limits, operation limits,
 * persisted operations. Spread into the gateway's environment schema (config.ts).
 */
export const frontDoorEnv = {
  /**
   * The gateway's own Redis (ACL user `gateway`, keys `gw:*`): rate limits, APQ, token revocations,
   * shared by every instance. Required in production; without it (development) they are kept in
   * this process.
   */
  GATEWAY_REDIS_URL: urlWithScheme('redis', 'rediss').optional(),
  /** Deadline of one command to the gateway's Redis (docs/redis-clients.md). */
  ...redisClientEnv,
  /** Every key the gateway writes starts with this (tests use `gw:t_<suffix>:`). */
  GATEWAY_REDIS_PREFIX: z
    .string()
    .regex(/^gw:([A-Za-z0-9_]+:)?$/, 'must be `gw:` or `gw:<name>:`')
    .default('gw:'),
  /**
   * Which proxies' X-Forwarded-For to believe for the client address (Express `trust proxy`):
   * `false` (none: the socket's address), a hop count, or comma-separated addresses/subnets.
   */
  TRUST_PROXY: z
    .string()
    .default('false')
    .transform((v): boolean | number | string => (v === 'false' ? false : /^\d+$/.test(v) ? Number(v) : v)),
  /**
   * The subgraph that owns sessions (sign-in, refresh, JWKS): `off` turns sessions off. Default
   * `accounts`; when the supergraph has no such subgraph, sessions are off (every caller anonymous).
   */
  SESSIONS_SUBGRAPH: z.string().min(1).optional(),
  /** The sessions subgraph's public signing keys; default: `/.well-known/jwks.json` on its origin. */
  ACCOUNTS_JWKS_URL: urlWithScheme('http', 'https').optional(),
  /** Cookies only over HTTPS. Only plain-http local development may turn it off; never production. */
  COOKIE_SECURE: flag(true),
  COOKIE_SAME_SITE: z.enum(['lax', 'strict']).default('lax'),
  /** How long a browser keeps its anonymous session id (its cart hangs on it). */
  ANONYMOUS_SESSION_TTL_SECONDS: limit(30 * 24 * 3600),
  /** Requests per window for one signed-in session, or one client address when anonymous. */
  RATE_LIMIT_POINTS: limit(600),
  RATE_LIMIT_WINDOW_SECONDS: limit(60),
  /**
   * `require`: only the operations of schema/operations run (unknown → PERSISTED_QUERY_NOT_IN_LIST);
   * `apq`: any operation, and automatic persisted queries cached in Redis. Default: require in production.
   */
  PERSISTED_OPERATIONS: z.enum(['apq', 'require']).optional(),
  /** The safelist: every operation in the *.graphql files here. */
  OPERATIONS_DIR: z.string().default(path.join(schemaDir(), 'operations')),
  APQ_TTL_SECONDS: limit(24 * 3600),
  /** Operation limits, checked before any planning. Depth as graphql-armor counts it. */
  MAX_DEPTH: limit(8),
  MAX_ALIASES: limit(15),
  MAX_TOKENS: limit(1000),
  MAX_DIRECTIVES: limit(50),
  MAX_ROOT_FIELDS: limit(10),
  MAX_COST: limit(5000),
  /** "Did you mean …" hints in validation errors; default: off in production. */
  FIELD_SUGGESTIONS: z.stringbool().optional(),
};
