import { PrismaPg } from '@prisma/adapter-pg';
import type { ServiceMetrics } from '@polystore/platform';
import { PrismaClient } from './generated/prisma/client';

export type Db = ReturnType<typeof createDb>;

/**
 * Prisma on the pg driver adapter (no native engine). Every statement is counted in
 * store_commands_total{store="postgres"}, which is how tests and /metrics see round trips.
 */
export function createDb(options: { url: string; poolSize: number; metrics: ServiceMetrics; slowQueryMs?: number }) {
  const adapter = new PrismaPg({
    connectionString: options.url,
    max: options.poolSize,
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: 5_000,
  });
  const prisma = new PrismaClient({ adapter, log: [{ emit: 'event', level: 'query' }] });
  prisma.$on('query', (event) => {
    const verb = /^\s*(\w+)/.exec(event.query)?.[1]?.toUpperCase() ?? 'OTHER';
    options.metrics.storeCommands.inc({ store: 'postgres', operation: verb });
  });
  return prisma;
}
