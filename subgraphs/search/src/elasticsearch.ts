import { Client, errors, SniffingTransport } from '@elastic/elasticsearch';
import { AppError, ErrorCode, StoreGuard, type Logger, type ServiceMetrics } from '@polystore/platform';

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
 * The client's own transport, with a 50 ms pause before a retry instead of its 1–2 s exponential
 * backoff: one node here, so a refused connection is retried once, quickly, and a node that is down
 * fails a search in tens of milliseconds rather than seconds (docs/adr/0011).
 */
class QuickRetryTransport extends SniffingTransport {
  constructor(options: ConstructorParameters<typeof SniffingTransport>[0]) {
    super({ ...options, retryBackoff: () => 0.05 });
  }
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
    Transport: QuickRetryTransport,
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

/**
 * The guard of search's Elasticsearch (docs/adr/0011): once a call finds the node unreachable, searches
 * are refused at once (SERVICE_UNAVAILABLE) rather than each waiting out connection attempts and
 * retries, until a ping (1 s, no retry) answers again.
 */
export function elasticsearchGuard(es: Client, deps: { logger: Logger; metrics: ServiceMetrics }): StoreGuard {
  return new StoreGuard({
    store: 'elasticsearch',
    isUnavailable,
    probe: () => es.ping({}, { requestTimeout: 1_000, maxRetries: 0 }),
    ...deps,
  });
}

/** A store failure as the API reports it: retryable when the node did not answer. */
export function searchUnavailable(detail: string): AppError {
  return new AppError(ErrorCode.SERVICE_UNAVAILABLE, 'Search is unavailable; try again', { detail });
}
