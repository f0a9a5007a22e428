import { Client, errors } from '@elastic/elasticsearch';
import { AppError, ErrorCode, type ServiceMetrics } from '@polystore/platform';

/**
 * The label of one Elasticsearch round trip, from its method and path: the first `_api` segment
 * (`/products/_search` → `search`, `/_aliases` → `aliases`, `/_bulk` → `bulk`), else the method on
 * an index (`PUT /products_v2` → `put_index`), `/` → `info`. Bounded: never an index name or id.
 */
export function operationOf(method: string, path: string): string {
  const segments = path.split('?')[0]!.split('/').filter(Boolean);
  const api = segments.find((s) => s.startsWith('_'));
  if (api) return api.slice(1).replace(/[^a-z_]/g, '') || 'other';
  if (segments.length === 0) return 'info';
  return `${method.toLowerCase()}_index`;
}

/**
 * An Elasticsearch 8 client (the 9.x client asks for compatibility 9, which 8.x servers refuse).
 * Every HTTP attempt is counted in store_commands_total{store="elasticsearch"}, retries included,
 * through the client's diagnostic `request` event, emitted once per attempt just before it is sent.
 */
export function createElasticsearch(
  url: string,
  metrics: ServiceMetrics,
  options: { requestTimeoutMs?: number; maxRetries?: number } = {},
): Client {
  const client = new Client({
    node: url,
    requestTimeout: options.requestTimeoutMs ?? 5_000,
    maxRetries: options.maxRetries ?? 2,
    name: 'search',
  });
  client.diagnostic.on('request', (error, event) => {
    if (error || !event) return; // failed before anything was sent (serialization)
    const { method, path } = event.meta.request.params;
    metrics.storeCommands.inc({ store: 'elasticsearch', operation: operationOf(method, path) });
  });
  return client;
}

/** Elasticsearch's error type (`index_not_found_exception`, ...) when it answered with one. */
export function esErrorType(error: unknown): string | undefined {
  if (error instanceof errors.ResponseError) {
    const body = error.body as { error?: { type?: string } } | undefined;
    return body?.error?.type;
  }
  return undefined;
}

export function isUnavailable(error: unknown): boolean {
  return (
    error instanceof errors.ConnectionError ||
    error instanceof errors.TimeoutError ||
    error instanceof errors.NoLivingConnectionsError ||
    (error instanceof errors.ResponseError && [429, 502, 503, 504].includes(error.statusCode ?? 0))
  );
}

/** A store failure as the API reports it: retryable when the node did not answer. */
export function searchUnavailable(detail: string): AppError {
  return new AppError(ErrorCode.SERVICE_UNAVAILABLE, 'Search is unavailable; try again', { detail });
}
