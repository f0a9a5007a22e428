import { setTimeout as sleep } from 'node:timers/promises';
import type { Fetcher, FetcherRequestInit, FetcherResponse } from '@apollo/utils.fetcher';
import type { Logger } from '@polystore/platform';
import { Pool } from 'undici';
import { BREAKER_OPEN, createBreaker, type Breaker } from './breaker';
import { BREAKER_STATE, type BreakerState, type FetchOutcome, type GatewayMetrics } from './plugins/metrics';
import type { SubgraphClientSettings } from './resilience-config';

/**
 * Set by the data source on a read (a query): safe to send twice, and counted by the breaker. Read and
 * removed here, never sent to the subgraph. Absent means a write (mutations, and anything unknown):
 * sent once, and its outcome not counted by the breaker (docs/adr/0010).
 */
export const RETRYABLE_HEADER = 'x-polystore-retryable';

/** Why a subgraph fetch failed, as errors and the `outcome` metric label name it. */
export type FailureReason = Exclude<FetchOutcome, 'ok'>;

/** A subgraph that did not give a usable answer: down, too slow, failing fast, or answering 5xx. */
export class SubgraphFetchError extends Error {
  readonly status: number | undefined;
  /** Nothing reached the subgraph's resolvers, or it said to try again: a query may be sent again. */
  readonly retryable: boolean;
  /** The request was certainly never delivered (breaker open, connection refused): nothing ran. */
  readonly neverSent: boolean;

  constructor(
    readonly subgraph: string,
    readonly reason: FailureReason,
    message: string,
    options: { status?: number; retryable?: boolean; neverSent?: boolean; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'SubgraphFetchError';
    this.status = options.status;
    this.retryable = options.retryable ?? false;
    this.neverSent = options.neverSent ?? false;
  }
}

/** Connection-level failures: nothing usable came back, and a query may safely be sent again. */
const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_CONNECT_TIMEOUT',
]);
/** Of those, the ones raised before a connection existed: the request cannot have been delivered. */
const NO_CONNECTION = new Set([
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_CONNECT_TIMEOUT',
]);
const RETRYABLE_STATUS = new Set([502, 503, 504]);

/** A response read to its end before it is handed on, so the deadline covers the whole body. */
class BufferedResponse implements FetcherResponse {
  readonly redirected = false;
  bodyUsed = false;

  constructor(
    readonly url: string,
    readonly status: number,
    readonly statusText: string,
    readonly headers: Headers,
    private readonly body: string,
  ) {}

  get ok() {
    return this.status >= 200 && this.status < 300;
  }
  async text() {
    this.bodyUsed = true;
    return this.body;
  }
  async json() {
    this.bodyUsed = true;
    return JSON.parse(this.body) as unknown;
  }
  async arrayBuffer() {
    this.bodyUsed = true;
    const bytes = Buffer.from(this.body, 'utf8');
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  }
  clone(): FetcherResponse {
    return new BufferedResponse(this.url, this.status, this.statusText, this.headers, this.body);
  }
}

export interface SubgraphClient {
  /** The fetcher for RemoteGraphQLDataSource (wrap it with signingFetcher). */
  fetcher: Fetcher;
  readonly breakerState: BreakerState;
  /** Waits for in-flight fetches, then closes the pooled connections. */
  close(): Promise<void>;
}

export interface SubgraphClientOptions {
  name: string;
  url: string;
  settings: SubgraphClientSettings;
  metrics?: GatewayMetrics;
  logger?: Logger;
}

/**
 * How the gateway calls one subgraph: undici keep-alive connections, a deadline per fetch (retries
 * included), retries for queries only when the subgraph could not be reached, and a circuit breaker
 * fed by reads only (docs/adr/0010-subgraph-client-and-failure.md). Failures reject with SubgraphFetchError.
 */
export function createSubgraphClient(options: SubgraphClientOptions): SubgraphClient {
  const { name, settings, metrics, logger } = options;
  const target = new URL(options.url);
  const pool = new Pool(target.origin, {
    connections: settings.connections,
    pipelining: 1,
    // Below the subgraphs' 65 s keep-alive, so the client never reuses a socket the server closes.
    keepAliveTimeout: 30_000,
    keepAliveMaxTimeout: 60_000,
    headersTimeout: settings.timeoutMs + 1000,
    bodyTimeout: settings.timeoutMs + 1000,
  });

  metrics?.breakerState.set({ subgraph: name }, BREAKER_STATE.closed);
  let closed = false;
  /**
   * While the breaker is open, ask the subgraph's /healthz every 250 ms: a subgraph restarted by its
   * supervisor answers within a second or two, and is used again as soon as it does rather than
   * after the whole reset timeout (docs/adr/0011). A trial after the reset timeout still happens.
   */
  async function watchForRecovery(): Promise<void> {
    while (!closed && breaker.state === 'open') {
      await sleep(250);
      if (closed || breaker.state !== 'open') return;
      try {
        const response = await pool.request({ path: '/healthz', method: 'GET', signal: AbortSignal.timeout(1_000) });
        await response.body.dump();
        if (response.statusCode === 200 && breaker.state === 'open') {
          logger?.info({ subgraph: name }, 'subgraph answers its health check again: circuit closed early');
          breaker.close();
        }
      } catch {
        // still down
      }
    }
  }
  const breaker: Breaker = createBreaker(settings.breaker, {
    // attempt() turns every failure into a SubgraphFetchError; a 4xx answer resolves (the subgraph is
    // up and answering), so it never counts against the breaker. Only reads are counted at all: a
    // write may be slow by nature (hashing a password), and a burst of them must not cut off reads.
    isFailure: (error) => error instanceof SubgraphFetchError,
    onStateChange(state) {
      metrics?.breakerState.set({ subgraph: name }, BREAKER_STATE[state]);
      const log = { subgraph: name, state, resetMs: settings.breaker.resetTimeoutMs };
      if (state === 'open') {
        logger?.warn(log, 'subgraph circuit opened: failing fast');
        void watchForRecovery();
      } else logger?.info(log, state === 'closed' ? 'subgraph circuit closed' : 'subgraph circuit half-open');
    },
  });

  async function attempt(path: string, init: FetcherRequestInit, headers: Record<string, string>, signal: AbortSignal) {
    let response;
    try {
      response = await pool.request({
        path,
        method: 'POST',
        headers,
        body: init.body ?? null,
        signal,
      });
    } catch (error) {
      throw classify(error, signal);
    }
    let body: string;
    try {
      body = await response.body.text();
    } catch (error) {
      throw classify(error, signal);
    }
    if (response.statusCode >= 500) {
      throw new SubgraphFetchError(name, 'http_5xx', `${name} answered HTTP ${response.statusCode}`, {
        status: response.statusCode,
        retryable: RETRYABLE_STATUS.has(response.statusCode),
      });
    }
    const responseHeaders = new Headers();
    for (const [key, value] of Object.entries(response.headers)) {
      if (Array.isArray(value)) for (const v of value) responseHeaders.append(key, v);
      else if (value !== undefined) responseHeaders.set(key, value);
    }
    return new BufferedResponse(target.href, response.statusCode, response.statusText ?? '', responseHeaders, body);
  }

  function classify(error: unknown, signal: AbortSignal): SubgraphFetchError {
    if (error instanceof SubgraphFetchError) return error;
    if (signal.aborted) {
      return new SubgraphFetchError(name, 'timeout', `${name} did not answer within ${settings.timeoutMs} ms`);
    }
    const code = (error as { code?: string }).code ?? (error as { cause?: { code?: string } }).cause?.code;
    return new SubgraphFetchError(
      name,
      'unreachable',
      `${name} could not be reached (${code ?? (error as Error).message})`,
      {
        retryable: code !== undefined && UNREACHABLE.has(code),
        neverSent: code !== undefined && NO_CONNECTION.has(code),
        cause: error,
      },
    );
  }

  const fetcher: Fetcher = async (url, init = {}) => {
    const started = performance.now();
    const { [RETRYABLE_HEADER]: retryMark, ...headers } = init.headers ?? {};
    const read = Boolean(retryMark);
    const attempts = read ? 1 + settings.retries : 1;
    const path = url === options.url ? target.pathname + target.search : pathOf(url, target);
    const controller = new AbortController();
    const deadline = setTimeout(() => controller.abort(), settings.timeoutMs);
    let outcome: FetchOutcome = 'ok';
    try {
      for (let n = 1; ; n++) {
        try {
          return await breaker.run(() => attempt(path, init, headers, controller.signal), { counted: read });
        } catch (raw) {
          const error =
            (raw as { code?: string }).code === BREAKER_OPEN
              ? new SubgraphFetchError(name, 'circuit_open', `${name} is unavailable (circuit open)`, {
                  neverSent: true,
                })
              : classify(raw, controller.signal);
          const backoffMs = Math.min(200, 20 * 2 ** (n - 1)) * (0.5 + Math.random() / 2);
          const budgetLeft = settings.timeoutMs - (performance.now() - started);
          if (n < attempts && error.retryable && budgetLeft > backoffMs) {
            metrics?.subgraphRetries.inc({ subgraph: name });
            try {
              await sleep(backoffMs, undefined, { signal: controller.signal });
            } catch {
              // the deadline passed while waiting: the next attempt reports the timeout
            }
            continue;
          }
          outcome = error.reason;
          throw error;
        }
      }
    } finally {
      clearTimeout(deadline);
      metrics?.subgraphFetchDuration.observe({ subgraph: name, outcome }, (performance.now() - started) / 1000);
    }
  };

  return {
    fetcher,
    get breakerState() {
      return breaker.state;
    },
    async close() {
      closed = true;
      breaker.shutdown();
      await pool.close();
    },
  };
}

function pathOf(url: string, target: URL): string {
  const parsed = new URL(url);
  if (parsed.origin !== target.origin) throw new Error(`${url} is not served by ${target.origin}`);
  return parsed.pathname + parsed.search;
}
