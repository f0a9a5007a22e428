import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** What a subgraph fetch ended with (the `outcome` label). */
export type FetchOutcome = 'ok' | 'timeout' | 'unreachable' | 'circuit_open' | 'http_5xx';

/** Breaker states as the gauge reports them: 0 closed, 1 half-open (one trial fetch), 2 open. */
export const BREAKER_STATE = { closed: 0, half_open: 1, open: 2 } as const;
export type BreakerState = keyof typeof BREAKER_STATE;

/**
 * The gateway's own metrics, beside the ones every service exports (operation latency and errors,
 * from the platform): how its subgraphs answer, their breakers, and the query-plan cache.
 */
export interface GatewayMetrics {
  subgraphFetchDuration: Histogram<'subgraph' | 'outcome'>;
  subgraphRetries: Counter<'subgraph'>;
  breakerState: Gauge<'subgraph'>;
  planCacheLookups: Counter<'result'>;
  /** How each client request's identity was established (auth/authenticate.ts SessionOutcome). */
  sessions: Counter<'outcome'>;
  /** Where the plan-cache gauges read their values at each scrape. */
  watchPlanCache(stats: () => { entries: number; bytes: number }): void;
}

export function createGatewayMetrics(registry: Registry): GatewayMetrics {
  let planCache = () => ({ entries: 0, bytes: 0 });
  new Gauge({
    name: 'query_plan_cache_entries',
    help: 'Query plans held in the gateway plan cache',
    registers: [registry],
    collect() {
      this.set(planCache().entries);
    },
  });
  new Gauge({
    name: 'query_plan_cache_bytes',
    help: 'Approximate size of the cached query plans (JSON bytes)',
    registers: [registry],
    collect() {
      this.set(planCache().bytes);
    },
  });
  return {
    subgraphFetchDuration: new Histogram({
      name: 'subgraph_fetch_duration_seconds',
      help: 'Time from sending a subgraph request to having its whole answer (retries included), by subgraph and outcome',
      labelNames: ['subgraph', 'outcome'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    subgraphRetries: new Counter({
      name: 'subgraph_fetch_retries_total',
      help: 'Query fetches sent again after a subgraph could not be reached',
      labelNames: ['subgraph'],
      registers: [registry],
    }),
    breakerState: new Gauge({
      name: 'subgraph_breaker_state',
      help: 'Circuit breaker per subgraph: 0 closed, 1 half-open, 2 open (failing fast)',
      labelNames: ['subgraph'],
      registers: [registry],
    }),
    planCacheLookups: new Counter({
      name: 'query_plan_cache_lookups_total',
      help: 'Query-plan cache lookups by result (hit: planning skipped; miss: the operation was planned)',
      labelNames: ['result'],
      registers: [registry],
    }),
    sessions: new Counter({
      name: 'gateway_sessions_total',
      help: 'Client requests by how their identity was established (token, token_unchecked, refreshed, refresh_deferred, ...)',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    watchPlanCache(stats) {
      planCache = stats;
    },
  };
}
