import { PrismaPg } from '@prisma/adapter-pg';
import { createLogger, type Logger } from './logger';
import type { ServiceMetrics } from './metrics';
import { StoreGuard } from './store-guard';

/**
 * What every PostgreSQL service gives Prisma: the pg driver adapter (no native engine), its pool
 * sized by the service's settings. A connection that cannot be opened within 2 s fails (well inside
 * the gateway's 5 s deadline), which the service's StoreGuard then reports.
 */
export function pgAdapter(options: { url: string; poolSize: number }): PrismaPg {
  return new PrismaPg({
    connectionString: options.url,
    max: options.poolSize,
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: 2_000,
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

/** Prisma's codes for "the database could not be reached / did not answer / closed the connection / no connection free". */
const PRISMA_UNREACHABLE = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024']);
/** adapter-pg's kinds for the same (its DriverAdapterError causes). */
const ADAPTER_UNREACHABLE = new Set([
  'DatabaseNotReachable',
  'ConnectionClosed',
  'SocketTimeout',
  'TooManyConnections',
]);
/** SQLSTATE: class 08 (connection exception), 57P01-03 (shutting down, crashed, starting up), 53300 (too many connections). */
const SQLSTATE_UNAVAILABLE = /^(08[0-9A-Z]{3}|57P0[123]|53300)$/;
const SOCKET_ERRORS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
/** pg's own messages for a lost connection and for a connection it could not get in time. */
const PG_MESSAGES = /Connection terminated|timeout exceeded when trying to connect|Can't reach database server/;

/** The error and what it wraps: `cause`, and Prisma's `meta.driverAdapterError(.cause)`. */
function* causes(error: unknown, depth = 0): Generator<Record<string, unknown>> {
  if (!error || typeof error !== 'object' || depth > 4) return;
  const e = error as Record<string, unknown>;
  yield e;
  const adapter = (e['meta'] as Record<string, unknown> | undefined)?.['driverAdapterError'];
  for (const next of [e['cause'], adapter]) yield* causes(next, depth + 1);
}

/** Whether an error from Prisma (on adapter-pg) or pg says PostgreSQL could not be reached or is not taking work. */
export function isPostgresUnavailable(error: unknown): boolean {
  for (const e of causes(error)) {
    const code = typeof e['code'] === 'string' ? e['code'] : undefined;
    const kind = typeof e['kind'] === 'string' ? e['kind'] : undefined;
    if (code && (PRISMA_UNREACHABLE.has(code) || SQLSTATE_UNAVAILABLE.test(code) || SOCKET_ERRORS.has(code)))
      return true;
    if (kind && ADAPTER_UNREACHABLE.has(kind)) return true;
    if (typeof e['message'] === 'string' && PG_MESSAGES.test(e['message'])) return true;
  }
  return false;
}

/** Prisma's `log` setting that emits one `query` event per statement (what `countQueries` listens to). */
export const QUERY_EVENTS = [{ emit: 'event' as const, level: 'query' as const }];

/**
 * What every PostgreSQL service does with its Prisma client (before extending it with
 * `guardedQueries`): count every statement, and make the guard of its PostgreSQL
 * (docs/adr/0011), whose probe is a `SELECT 1` on this unguarded client.
 */
export function instrumentPrisma(
  prisma: {
    $on(event: 'query', listener: (event: { query: string }) => void): unknown;
    $queryRaw(query: TemplateStringsArray): PromiseLike<unknown>;
  },
  deps: { logger?: Logger; metrics: ServiceMetrics },
): StoreGuard {
  prisma.$on('query', countQueries(deps.metrics));
  return new StoreGuard({
    store: 'postgres',
    isUnavailable: isPostgresUnavailable,
    probe: async () => prisma.$queryRaw`SELECT 1`,
    // a command-line tool passes none: its outages are its own errors
    logger: deps.logger ?? createLogger('postgres', 'warn'),
    metrics: deps.metrics,
  });
}

/**
 * A Prisma client extension (`client.$extends(guardedQueries(guard))`) sending every query through
 * the guard — model operations and raw SQL, inside transactions too: refused at once while
 * PostgreSQL is known down, and SERVICE_UNAVAILABLE when it cannot be reached. The extended
 * client's `$storeGuard()` is the guard (for the service's /readyz and its error mapping).
 */
export function guardedQueries(guard: StoreGuard) {
  return {
    name: 'store-guard',
    client: {
      $storeGuard: () => guard,
    },
    query: {
      $allOperations({ args, query }: { args: unknown; query: (args: unknown) => Promise<unknown> }) {
        return guard.run(() => query(args));
      },
    },
  };
}
