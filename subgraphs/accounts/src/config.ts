import os from 'node:os';
import { z } from 'zod';
import {
  baseEnv,
  ConfigError,
  defaultPoolSize,
  loadConfig,
  port,
  redisClientEnv,
  signingSecret,
  urlWithScheme,
} from '@polystore/platform';

export const accountsEnv = {
  ...baseEnv,
  PORT: port(4001),
  /** Shared with the gateway, which signs every request it sends here. */
  ACCOUNTS_SIGNING_SECRET: signingSecret(),
  /** The service's own role (DML only); migrations use ACCOUNTS_MIGRATE_DATABASE_URL. */
  ACCOUNTS_DATABASE_URL: urlWithScheme('postgresql', 'postgres'),
  ACCOUNTS_DB_POOL_SIZE: z.coerce.number().int().min(1).max(100).default(defaultPoolSize(os.availableParallelism())),
  /** The public GraphQL endpoint, through which accounts checks that a product exists. */
  GRAPH_URL: urlWithScheme('http', 'https').default('http://127.0.0.1:4000/graphql'),
  /** log2 of scrypt's cost for new password hashes (OWASP: at least 17). */
  PASSWORD_SCRYPT_LOG_N: z.coerce.number().int().min(14).max(20).default(17),
  /** Worker threads that hash passwords (each one scrypt at a time); one core is left to the event loop. */
  PASSWORD_HASH_THREADS: z.coerce
    .number()
    .int()
    .min(1)
    .max(64)
    .default(Math.max(1, os.availableParallelism() - 1)),
  /**
   * Hashes (sign-ups, sign-ins) that may wait for a thread; past this they are refused at once with
   * RATE_LIMITED. Default 4 per thread: at 2^17 (~0.35 s a hash here) a full queue waits ~1.7 s,
   * well inside the gateway's 5 s deadline.
   */
  PASSWORD_HASH_MAX_QUEUE: z.coerce.number().int().min(0).max(10_000).optional(),
  /**
   * Refused at once, too: a hash that would likely be answered later than this (the queue ahead at the
   * recent time per hash), so a slow, loaded machine refuses instead of running past the gateway's deadline.
   */
  PASSWORD_HASH_MAX_WAIT_MS: z.coerce.number().int().min(100).default(3000),
  /**
   * A hash not done by then is stopped (its thread replaced) and refused with RATE_LIMITED: keep it
   * below the gateway's deadline for accounts (SUBGRAPH_TIMEOUT_MS, 5000), so that a sign-up the
   * gateway reported as timed out is never created afterwards.
   */
  PASSWORD_HASH_TIMEOUT_MS: z.coerce.number().int().min(100).default(4000),
  /**
   * The share of the hasher (of its threads + queue, and of PASSWORD_HASH_MAX_WAIT_MS) that sign-ups
   * may use; sign-ins may use all of it, so existing users keep signing in while a burst of sign-ups
   * is refused. Default half: with one thread and 4 waiting, 2 sign-ups at once, each within 1.5 s.
   */
  PASSWORD_HASH_SIGN_UP_SHARE: z.coerce.number().gt(0).max(1).default(0.5),
  /** Accounts' own Redis key space (ACL user `accounts`, keys `acc:*`): sessions, sign-in throttling. */
  ACCOUNTS_REDIS_URL: urlWithScheme('redis', 'rediss'),
  /** Deadline of one Redis command: past it, a session operation answers SERVICE_UNAVAILABLE. */
  ...redisClientEnv,
  /** Every key accounts writes starts with this (tests use `acc:t_<suffix>:`). */
  ACCOUNTS_REDIS_PREFIX: z
    .string()
    .regex(/^acc:([A-Za-z0-9_]+:)?$/, 'must be `acc:` or `acc:<name>:`')
    .default('acc:'),
  /**
   * Private Ed25519 JWKs (a JSON array, each with its `kid`) that sign access tokens: the first signs,
   * the others are still published so tokens they signed verify until they expire (rotation).
   * Required in production; elsewhere a key is generated at start when absent.
   */
  ACCOUNTS_TOKEN_KEYS: z.string().optional(),
  /** Lifetime of an access token (the gateway refreshes it from the session when it expires). */
  ACCESS_TOKEN_TTL_SECONDS: z.coerce.number().int().min(30).max(900).default(300),
  /** A session ends after this long without use... */
  SESSION_IDLE_TTL_SECONDS: z.coerce
    .number()
    .int()
    .min(60)
    .default(7 * 24 * 3600),
  /** ...and at the latest this long after sign-in. */
  SESSION_MAX_TTL_SECONDS: z.coerce
    .number()
    .int()
    .min(60)
    .default(30 * 24 * 3600),
  /** Failed sign-ins allowed per email within SIGN_IN_THROTTLE_SECONDS before that email is refused. */
  SIGN_IN_MAX_FAILURES_PER_EMAIL: z.coerce.number().int().min(1).default(5),
  /** Failed sign-ins allowed per client address within SIGN_IN_THROTTLE_SECONDS. */
  SIGN_IN_MAX_FAILURES_PER_ADDRESS: z.coerce.number().int().min(1).default(50),
  SIGN_IN_THROTTLE_SECONDS: z.coerce.number().int().min(1).default(900),
  /** Sign-ups allowed per client address within SIGN_UP_THROTTLE_SECONDS (successful or not). */
  SIGN_UP_MAX_PER_ADDRESS: z.coerce.number().int().min(1).default(20),
  SIGN_UP_THROTTLE_SECONDS: z.coerce.number().int().min(1).default(3600),
};

export type AccountsConfig = ReturnType<typeof loadAccountsConfig>;

export function loadAccountsConfig(env: NodeJS.ProcessEnv = process.env) {
  const config = loadConfig('accounts', accountsEnv, env);
  const problems: string[] = [];
  if (config.NODE_ENV === 'production' && !config.ACCOUNTS_TOKEN_KEYS) {
    problems.push('ACCOUNTS_TOKEN_KEYS: required in production (npm run token-key prints a new key)');
  }
  if (config.SESSION_MAX_TTL_SECONDS < config.SESSION_IDLE_TTL_SECONDS) {
    problems.push('SESSION_MAX_TTL_SECONDS: must not be shorter than SESSION_IDLE_TTL_SECONDS');
  }
  if (problems.length) throw new ConfigError('accounts', problems);
  return { ...config, PASSWORD_HASH_MAX_QUEUE: config.PASSWORD_HASH_MAX_QUEUE ?? 4 * config.PASSWORD_HASH_THREADS };
}
