import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import {
  createEvent,
  createLogger,
  createMetrics,
  EventRegistry,
  transactions,
  type EventEnvelope,
} from '@polystore/platform';
import { createDb } from '../subgraphs/orders/src/db';
import { createTestDatabase, type TestDatabase } from './postgres';
import { requireVar, stackEnv, uniqueSuffix } from './stack-env';

const ROOT = path.resolve(__dirname, '..');

export const registry: EventRegistry = EventRegistry.load(path.join(ROOT, 'schema', 'events'));
export const quietLogger = createLogger('events-test', process.env['TEST_LOG_LEVEL'] ?? 'silent');

/**
 * The stack's Redis as the `events` user (every `events:*` key), with a namespace of this test
 * file's own: its streams are `events:t_<suffix>:{…}:…`, deleted by drop().
 */
export async function eventsRedis(): Promise<{ redis: Redis; url: string; namespace: string; drop(): Promise<void> }> {
  const url = requireVar(stackEnv(), 'EVENTS_REDIS_URL');
  const namespace = `t_${uniqueSuffix()}`;
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 2, enableReadyCheck: false });
  await redis.connect();
  return {
    redis,
    url,
    namespace,
    async drop() {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `events:${namespace}:*`, 'COUNT', 1000);
        cursor = next;
        if (keys.length) await redis.del(...keys);
      } while (cursor !== '0');
      redis.disconnect();
    },
  };
}

/** A fresh orders database (it has outbox and inbox) with Prisma as the service's role, and tables of the test's own. */
export async function eventsDatabase(ddl: string[] = []) {
  const database: TestDatabase = await createTestDatabase('orders');
  for (const statement of ddl) await sql(database.ownerUrl, statement);
  const metrics = createMetrics('events-test');
  const db = createDb({ url: database.appUrl, poolSize: 6, metrics });
  return {
    database,
    db,
    metrics,
    withTransaction: transactions(db),
    query: <T extends pg.QueryResultRow = pg.QueryResultRow>(text: string, params: unknown[] = []) =>
      sql<T>(database.appUrl, text, params),
    async drop() {
      await db.$disconnect();
      await database.drop();
    },
  };
}

export async function sql<T extends pg.QueryResultRow = pg.QueryResultRow>(
  url: string,
  text: string,
  params: unknown[] = [],
): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(text, params)).rows;
  } finally {
    await client.end();
  }
}

/** A valid event of a declared type (ProductUpdated: catalog's product stream), for aggregate `id` at `version`. */
export function productUpdated(
  id: string,
  version: number,
  overrides: { name?: string; price?: number; correlationId?: string } = {},
): EventEnvelope {
  const now = new Date().toISOString();
  return createEvent({
    type: 'ProductUpdated',
    version: 1,
    source: 'catalog',
    aggregateType: 'Product',
    aggregateId: id,
    aggregateVersion: version,
    correlationId: overrides.correlationId ?? `req-${version}`,
    data: {
      sku: `SKU-${id.slice(0, 8).toUpperCase()}`,
      name: overrides.name ?? `Product ${id.slice(0, 8)} v${version}`,
      description: '',
      price: { amount: overrides.price ?? 1000 + version, currency: 'EUR' },
      category: 'lighting',
      attributes: [],
      stock: version,
      status: 'ACTIVE',
      createdAt: now,
      updatedAt: now,
      changed: ['name', 'price'],
    },
  });
}

/** Every entry of a stream: position and its `id` field (the event id). */
export async function streamEntries(redis: Redis, key: string): Promise<{ position: string; eventId: string }[]> {
  const entries = (await redis.call('XRANGE', key, '-', '+')) as [string, string[]][];
  return entries.map(([position, fields]) => ({ position, eventId: fields[fields.indexOf('id') + 1]! }));
}

/** Poll until `probe` returns true, or fail after `timeoutMs` with what it last saw. */
export async function eventually(probe: () => Promise<boolean>, timeoutMs = 20_000, what = 'condition'): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (await probe()) return;
    if (Date.now() > until) throw new Error(`${what} did not hold within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * A Redis server of the test's own (the Debian binary) on a free loopback port, in a temporary
 * directory, with AOF fsync every second as in the stack: what a test that kills or restarts
 * Redis uses, never the shared one.
 */
export async function throwawayRedis(options: { aclFile?: string } = {}) {
  const binary = '/usr/bin/redis-server';
  if (!existsSync(binary)) throw new Error(`${binary} is missing: apt-get install redis-server`);
  const dir = mkdtempSync(path.join(tmpdir(), 'polystore-redis-'));
  const port = await freePort();
  const config = [
    `bind 127.0.0.1`,
    `port ${port}`,
    `dir ${dir}`,
    `appendonly yes`,
    `appendfsync everysec`,
    `save ""`,
    `logfile ${path.join(dir, 'redis.log')}`,
    ...(options.aclFile ? [`aclfile ${options.aclFile}`] : []),
  ];
  writeFileSync(path.join(dir, 'redis.conf'), `${config.join('\n')}\n`);
  let child: ChildProcess | undefined;
  const start = async () => {
    child = spawn(binary, [path.join(dir, 'redis.conf')], { stdio: 'ignore' });
    // A TCP connect, not a Redis client: with an ACL file the default user is off and a client
    // without credentials is refused.
    await eventually(
      () =>
        new Promise<boolean>((resolve) => {
          const socket = connect(port, '127.0.0.1');
          socket.once('connect', () => {
            socket.destroy();
            resolve(true);
          });
          socket.once('error', () => resolve(false));
        }),
      10_000,
      `redis-server on ${port}`,
    );
  };
  const exited = () =>
    new Promise<void>((resolve) => {
      if (!child || child.exitCode !== null || child.signalCode !== null) resolve();
      else child.once('exit', () => resolve());
    });
  await start();
  return {
    port,
    dir,
    url: `redis://127.0.0.1:${port}`,
    /** The AOF file Redis appends to now (Redis 7: appendonlydir/<name>.incr.aof). */
    incrementalAof(): string {
      const aofDir = path.join(dir, 'appendonlydir');
      const file = readdirSync(aofDir).find((f) => f.endsWith('.incr.aof'));
      if (!file) throw new Error(`no incremental AOF in ${aofDir}`);
      return path.join(aofDir, file);
    },
    aofSize(file: string): number {
      return statSync(file).size;
    },
    truncate(file: string, size: number): void {
      truncateSync(file, size);
    },
    async kill(signal: NodeJS.Signals = 'SIGKILL') {
      child?.kill(signal);
      await exited();
    },
    start,
    async stop() {
      child?.kill('SIGKILL');
      await exited();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A fixture script run as a child process (node, against the built packages): what a test kills
 * with SIGKILL. Fails at once when the build is older than the sources it would run.
 */
export function runFixture(
  script: string,
  env: Record<string, string>,
): { child: ChildProcess; exit: Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string }> } {
  assertBuilt();
  const child = spawn(process.execPath, [script], {
    env: { ...process.env, ...env, NODE_COMPILE_CACHE: path.join(tmpdir(), 'polystore-node-cache') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal, output })),
  );
  return { child, exit };
}

let built = false;
function assertBuilt(): void {
  if (built) return;
  const src = path.join(ROOT, 'packages', 'platform', 'src');
  const dist = path.join(ROOT, 'packages', 'platform', 'dist');
  const newest = (dir: string, ext: string): number =>
    readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile() && e.name.endsWith(ext) && !e.name.endsWith('.test.ts'))
      .reduce((max, e) => Math.max(max, statSync(path.join(e.parentPath, e.name)).mtimeMs), 0);
  if (!existsSync(dist) || newest(src, '.ts') > newest(dist, '.js')) {
    throw new Error('packages/platform/dist is older than its sources: run `npm run build` before this test');
  }
  built = true;
}
