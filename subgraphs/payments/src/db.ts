import {
  guardedQueries,
  instrumentPrisma,
  pgAdapter,
  QUERY_EVENTS,
  type Logger,
  type ServiceMetrics,
} from '@polystore/platform';
import { PrismaClient } from './generated/prisma/client';

export type Db = ReturnType<typeof createDb>['db'];

/** Prisma on the pg driver adapter: every statement counted, and sent through the store's guard. */
export function createDb(options: { url: string; poolSize: number; metrics: ServiceMetrics; logger: Logger }) {
  const prisma = new PrismaClient({ adapter: pgAdapter(options), log: QUERY_EVENTS });
  const guard = instrumentPrisma(prisma, options);
  return { db: prisma.$extends(guardedQueries(guard)), guard };
}
