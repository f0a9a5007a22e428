import { z } from 'zod';
import { baseEnv, loadConfig, port, signingSecret, urlWithScheme } from '@polystore/platform';

/**
 * The alias searches read through; its indices are `<alias>_v<N>` and its index template is
 * named `<alias>`. Tests use `products_t_<suffix>` so parallel runs never share an index.
 */
export const indexAlias = () =>
  z
    .string()
    .regex(/^[a-z][a-z0-9_]{0,59}$/, 'must be 1 to 60 lower-case letters, digits or underscores')
    .default('products');

export const searchEnv = {
  ...baseEnv,
  PORT: port(4006),
  /** Shared with the gateway, which signs every request it sends here. */
  SEARCH_SIGNING_SECRET: signingSecret(),
  /** The Elasticsearch 8 node (plain HTTP on loopback locally; compose's container otherwise). */
  ELASTICSEARCH_URL: urlWithScheme('http', 'https'),
  SEARCH_INDEX_ALIAS: indexAlias(),
  /** Milliseconds before one Elasticsearch request is abandoned. */
  SEARCH_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(5_000),
  /** Retries of a failed Elasticsearch request (the client waits 1–2 s before the first). */
  SEARCH_MAX_RETRIES: z.coerce.number().int().min(0).max(5).default(1),
};

export type SearchConfig = ReturnType<typeof loadSearchConfig>;

export function loadSearchConfig(env: NodeJS.ProcessEnv = process.env) {
  return loadConfig('search', searchEnv, env);
}

/** What `npm run reindex` needs: the node, the alias, and the public graph to read the catalog from. */
export const reindexEnv = {
  LOG_LEVEL: baseEnv.LOG_LEVEL,
  ELASTICSEARCH_URL: urlWithScheme('http', 'https'),
  SEARCH_INDEX_ALIAS: indexAlias(),
  GRAPH_URL: urlWithScheme('http', 'https').default('http://127.0.0.1:4000/graphql'),
  /** Products asked of the catalog per page (the catalog's own maximum is 100). */
  REINDEX_PAGE_SIZE: z.coerce.number().int().min(1).max(100).default(100),
  /** The reindex reads the catalog through the gateway as the search service, signed with its secret. */
  SEARCH_SIGNING_SECRET: signingSecret(),
};

export function loadReindexConfig(env: NodeJS.ProcessEnv = process.env) {
  return loadConfig('reindex', reindexEnv, env);
}
