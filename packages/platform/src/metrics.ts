import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

/**
 * Prometheus metrics of one service. Each service owns a registry (not prom-client's global one),
 * so several services can run in one process in tests without sharing counters.
 */
export interface ServiceMetrics {
  registry: Registry;
  operationDuration: Histogram<'operation' | 'type'>;
  operationErrors: Counter<'operation' | 'code'>;
  entityRequests: Counter<'typename'>;
  entityRepresentations: Counter<'typename'>;
  storeCommands: Counter<'store' | 'operation'>;
  /** Round trips a store did not answer (or refused), by store and reason. */
  storeCommandErrors: Counter<'store' | 'reason'>;
  /** Work done without a store that could not answer: a cache skipped, an in-process stand-in used. */
  storeFallbacks: Counter<'store' | 'use'>;
  rejectedRequests: Counter<'reason'>;
  /** Keeps label cardinality bounded: unknown or unbounded operation names collapse to `other`. */
  operationLabel(name: string | null | undefined): string;
}

const OPERATION_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,80}$/;

export function createMetrics(service: string, { maxOperationNames = 300 } = {}): ServiceMetrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  const seen = new Set<string>();
  return {
    registry,
    operationDuration: new Histogram({
      name: 'graphql_operation_duration_seconds',
      help: 'Time to answer a GraphQL operation, by operation name and type',
      labelNames: ['operation', 'type'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    operationErrors: new Counter({
      name: 'graphql_operation_errors_total',
      help: 'Errors returned to callers, by operation name and error code',
      labelNames: ['operation', 'code'],
      registers: [registry],
    }),
    entityRequests: new Counter({
      name: 'graphql_entity_requests_total',
      help: 'Federation _entities requests received, by entity type (one per planner fetch)',
      labelNames: ['typename'],
      registers: [registry],
    }),
    entityRepresentations: new Counter({
      name: 'graphql_entity_representations_total',
      help: 'Entity representations received in _entities requests, by entity type',
      labelNames: ['typename'],
      registers: [registry],
    }),
    storeCommands: new Counter({
      name: 'store_commands_total',
      help: 'Round trips to the service store, by store and operation',
      labelNames: ['store', 'operation'],
      registers: [registry],
    }),
    storeCommandErrors: new Counter({
      name: 'store_command_errors_total',
      help: 'Store round trips that failed, by store and reason (timeout, offline, closed, reply)',
      labelNames: ['store', 'reason'],
      registers: [registry],
    }),
    storeFallbacks: new Counter({
      name: 'store_fallbacks_total',
      help: 'Times a service did without a store that could not answer, by store and what it did instead',
      labelNames: ['store', 'use'],
      registers: [registry],
    }),
    rejectedRequests: new Counter({
      name: 'http_rejected_requests_total',
      help: 'Requests refused before any GraphQL processing, by reason (unsigned, stale, bad signature...)',
      labelNames: ['reason'],
      registers: [registry],
    }),
    operationLabel(name) {
      if (!name || !OPERATION_NAME.test(name)) return name ? 'other' : 'anonymous';
      if (seen.has(name)) return name;
      if (seen.size >= maxOperationNames) return 'other';
      seen.add(name);
      return name;
    },
  };
}

/** Read one counter's value from a registry (used by tests and benchmarks to count, not assume). */
export async function counterValue(
  registry: Registry,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const metric = registry.getSingleMetric(name);
  if (!metric) return 0;
  const { values } = await metric.get();
  return values.filter(withLabels(labels)).reduce((sum, v) => sum + v.value, 0);
}

/**
 * Read one histogram's totals for the series matching the labels: how many observations (`_count`)
 * and their sum (`_sum`). Throws for a name the registry does not hold, so a misspelt histogram can
 * never read as "nothing observed".
 */
export async function histogramTotals(
  registry: Registry,
  name: string,
  labels: Record<string, string> = {},
): Promise<{ count: number; sum: number }> {
  const metric = registry.getSingleMetric(name);
  if (!metric) throw new Error(`no histogram ${name} in this registry`);
  const { values } = await metric.get();
  const total = (series: string) =>
    values
      // a histogram's values are its buckets, _sum and _count, told apart by metricName
      .filter((v) => (v as { metricName?: string }).metricName === `${name}_${series}`)
      .filter(withLabels(labels))
      .reduce((sum, v) => sum + v.value, 0);
  return { count: total('count'), sum: total('sum') };
}

function withLabels(labels: Record<string, string>) {
  return (v: { labels: Record<string, string | number | undefined> }) =>
    Object.entries(labels).every(([k, want]) => String(v.labels[k]) === want);
}
