import CircuitBreaker from 'opossum';
import type { BreakerState } from './plugins/metrics';

export interface BreakerOptions {
  /** Open when more than this percentage of the fetches in the rolling window failed... */
  errorThresholdPercentage: number;
  /** ...once at least this many fetches fell in the window. */
  volumeThreshold: number;
  /** Time open before one trial fetch is let through (half-open). */
  resetTimeoutMs: number;
  /** Length of the rolling window (default 10 s, in 10 buckets). */
  rollingWindowMs?: number;
}

/** One subgraph's circuit breaker: fails fast while the subgraph is known to be down. */
export interface Breaker {
  readonly state: BreakerState;
  /**
   * Run one attempt through the breaker; rejects with code EOPENBREAKER without running it when open.
   * An attempt that is not `counted` (a mutation) is refused the same way while the breaker is open,
   * but neither its success nor its failure enters the breaker's window, and it is never the one
   * trial of a half-open breaker (it goes through uncounted).
   */
  run<T>(attempt: () => Promise<T>, options?: { counted?: boolean }): Promise<T>;
  /** Close it now (the subgraph was seen answering again), without waiting for the reset timeout. */
  close(): void;
  shutdown(): void;
}

/** The error code of a fetch refused because the breaker is open. */
export const BREAKER_OPEN = 'EOPENBREAKER';

/**
 * A breaker on opossum (nodeshift/opossum): a rolling error percentage opens it, an open breaker
 * rejects at once, and after `resetTimeoutMs` exactly one trial attempt decides between closing and
 * staying open. Opossum's own timeout is off: the fetcher's deadline aborts the request itself.
 * `isFailure` tells which errors count against the subgraph (others pass through uncounted).
 */
export function createBreaker(
  options: BreakerOptions,
  hooks: { isFailure: (error: unknown) => boolean; onStateChange?: (state: BreakerState) => void },
): Breaker {
  const rollingWindowMs = options.rollingWindowMs ?? 10_000;
  const circuit = new CircuitBreaker((attempt: () => Promise<unknown>) => attempt(), {
    timeout: false,
    errorThresholdPercentage: options.errorThresholdPercentage,
    volumeThreshold: options.volumeThreshold,
    resetTimeout: options.resetTimeoutMs,
    rollingCountTimeout: rollingWindowMs,
    rollingCountBuckets: 10,
    // Latency percentiles are kept by Prometheus, not per breaker.
    rollingPercentilesEnabled: false,
    errorFilter: (error: unknown) => !hooks.isFailure(error),
  });
  const state = (): BreakerState => (circuit.opened ? 'open' : circuit.halfOpen ? 'half_open' : 'closed');
  if (hooks.onStateChange) {
    const report = hooks.onStateChange;
    circuit.on('open', () => report('open'));
    circuit.on('halfOpen', () => report('half_open'));
    circuit.on('close', () => report('closed'));
  }
  return {
    get state() {
      return state();
    },
    run: <T>(attempt: () => Promise<T>, { counted = true } = {}) => {
      if (counted) return circuit.fire(attempt) as Promise<T>;
      if (circuit.opened) return Promise.reject(Object.assign(new Error('Breaker is open'), { code: BREAKER_OPEN }));
      return attempt();
    },
    close: () => circuit.close(),
    shutdown: () => circuit.shutdown(),
  };
}
