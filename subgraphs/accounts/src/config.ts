import os from 'node:os';
import { z } from 'zod';
import { baseEnv, defaultPoolSize, loadConfig, port, signingSecret, urlWithScheme } from '@polystore/platform';

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
};

export type AccountsConfig = ReturnType<typeof loadAccountsConfig>;

export function loadAccountsConfig(env: NodeJS.ProcessEnv = process.env) {
  return loadConfig('accounts', accountsEnv, env);
}
