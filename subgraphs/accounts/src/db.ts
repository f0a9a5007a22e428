import {
  guardedQueries,
  instrumentPrisma,
  pgAdapter,
  QUERY_EVENTS,
  type Logger,
  type ServiceMetrics,
} from '@polystore/platform';
import { PrismaClient } from './generated/prisma/client';

export type Db = ReturnType<typeof createDb>;
/** The client a repository write runs on: inside the service's transaction (withTransaction). */
export type Tx = Parameters<Parameters<Db['$transaction']>[0]>[0];

/**
 * Prisma on the pg driver adapter: every statement counted, and sent through the guard of the
 * store (`db.$storeGuard()`), which logs its outages to `logger`.
 */
export function createDb(options: { url: string; poolSize: number; metrics: ServiceMetrics; logger?: Logger }) {
  const prisma = new PrismaClient({ adapter: pgAdapter(options), log: QUERY_EVENTS });
  return prisma.$extends(guardedQueries(instrumentPrisma(prisma, options)));
}
