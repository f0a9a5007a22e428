import type { TransactionalClient } from '../transaction';

/**
 * What the PostgreSQL outbox, relay and inbox need of a client: raw SQL with positional
 * parameters ($1, $2…). Any service's Prisma client (or its transaction client) is one, with no
 * adapter; the tables are the same in every service (outbox, inbox; prisma/<service>/schema.prisma).
 */
export interface SqlClient {
  $queryRawUnsafe<T = unknown>(query: string, ...values: unknown[]): Promise<T>;
  $executeRawUnsafe(query: string, ...values: unknown[]): Promise<number>;
}

/** A client that can also open an interactive transaction (the relay locks the rows it publishes). */
export type SqlDatabase = SqlClient & TransactionalClient<SqlClient>;
