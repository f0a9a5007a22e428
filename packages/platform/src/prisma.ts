import { PrismaPg } from '@prisma/adapter-pg';
import type { ServiceMetrics } from './metrics';

/**
 * What every PostgreSQL service gives Prisma: the pg driver adapter (no native engine), its pool
 * sized by the service's settings.
 */
export function pgAdapter(options: { url: string; poolSize: number }): PrismaPg {
  return new PrismaPg({
    connectionString: options.url,
    max: options.poolSize,
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: 5_000,
  });
}

/**
 * A Prisma `query` event listener counting every statement in store_commands_total{store="postgres"}
 * by its SQL verb: how tests and /metrics see round trips.
 */
export function countQueries(metrics: ServiceMetrics) {
  return (event: { query: string }) => {
    const verb = /^\s*(\w+)/.exec(event.query)?.[1]?.toUpperCase() ?? 'OTHER';
    metrics.storeCommands.inc({ store: 'postgres', operation: verb });
  };
}
