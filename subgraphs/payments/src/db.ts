import { countQueries, pgAdapter, type ServiceMetrics } from '@polystore/platform';
import { PrismaClient, type Prisma } from './generated/prisma/client';

export type Db = ReturnType<typeof createDb>;
/** The client a repository write runs on: inside the service's transaction (withTransaction). */
export type Tx = Prisma.TransactionClient;

/** Prisma on the pg driver adapter, every statement counted (store_commands_total{store="postgres"}). */
export function createDb(options: { url: string; poolSize: number; metrics: ServiceMetrics }) {
  const prisma = new PrismaClient({ adapter: pgAdapter(options), log: [{ emit: 'event', level: 'query' }] });
  prisma.$on('query', countQueries(options.metrics));
  return prisma;
}
