import { z } from 'zod';

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

/** `catalog=2000,orders=10000` → `{ catalog: 2000, orders: 10000 }`. */
const perSubgraphMs = z
  .string()
  .default('')
  .transform((value, ctx) => {
    const out: Record<string, number> = {};
    for (const item of value
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)) {
      const match = /^([a-z][a-z0-9_-]*)=(\d+)$/.exec(item);
      if (!match || Number(match[2]) <= 0) {
        ctx.addIssue({ code: 'custom', message: `"${item}" is not <subgraph>=<milliseconds>` });
        continue;
      }
      out[match[1]!] = Number(match[2]);
    }
    return out;
  });

const flag = z
  .enum(['true', 'false', '1', '0', 'on', 'off', ''])
  .default('')
  .transform((v) => (v === '' ? undefined : ['true', '1', 'on'].includes(v)));

/**
 * How the gateway calls its subgraphs (docs/adr/0010-subgraph-client-and-failure.md) and whether it
 * serves the explorer. Spread into the gateway's environment schema.
 */
export const resilienceEnv = {
  /** Deadline of one subgraph fetch, retries included. */
  SUBGRAPH_TIMEOUT_MS: positiveInt(5000),
  /** Per-subgraph deadlines overriding SUBGRAPH_TIMEOUT_MS, e.g. `orders=10000,payments=15000`. */
  SUBGRAPH_TIMEOUTS: perSubgraphMs,
  /** Extra attempts for a query whose subgraph could not be reached (mutations are never retried). */
  SUBGRAPH_RETRIES: z.coerce.number().int().min(0).max(5).default(2),
  /** Keep-alive connections per subgraph. */
  SUBGRAPH_CONNECTIONS: positiveInt(32),
  /** The breaker opens when more than this share of a subgraph's recent fetches failed... */
  SUBGRAPH_BREAKER_ERROR_PERCENT: z.coerce.number().int().min(1).max(100).default(50),
  /** ...counting only once this many fetches fell in the 10-second window. */
  SUBGRAPH_BREAKER_MIN_REQUESTS: positiveInt(10),
  /** How long an open breaker fails fast before it lets one trial fetch through. */
  SUBGRAPH_BREAKER_RESET_MS: positiveInt(5000),
  /** Approximate memory for cached query plans. */
  QUERY_PLAN_CACHE_MB: positiveInt(30),
  /** GraphiQL on GET /graphql: on by default outside production; never in production. */
  EXPLORER: flag,
};

export interface SubgraphClientSettings {
  timeoutMs: number;
  retries: number;
  connections: number;
  breaker: { errorThresholdPercentage: number; volumeThreshold: number; resetTimeoutMs: number };
}

type ResilienceConfig = { [K in keyof typeof resilienceEnv]: z.output<(typeof resilienceEnv)[K]> };

/** The settings one subgraph's client uses. */
export function subgraphClientSettings(config: ResilienceConfig, subgraph: string): SubgraphClientSettings {
  return {
    timeoutMs: config.SUBGRAPH_TIMEOUTS[subgraph] ?? config.SUBGRAPH_TIMEOUT_MS,
    retries: config.SUBGRAPH_RETRIES,
    connections: config.SUBGRAPH_CONNECTIONS,
    breaker: {
      errorThresholdPercentage: config.SUBGRAPH_BREAKER_ERROR_PERCENT,
      volumeThreshold: config.SUBGRAPH_BREAKER_MIN_REQUESTS,
      resetTimeoutMs: config.SUBGRAPH_BREAKER_RESET_MS,
    },
  };
}

/** The explorer is a development tool: never served in production, on elsewhere unless EXPLORER=false. */
export function explorerEnabled(config: { NODE_ENV: string; EXPLORER: boolean | undefined }): boolean {
  return config.NODE_ENV !== 'production' && config.EXPLORER !== false;
}
