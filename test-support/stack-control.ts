import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { stackEnv } from './stack-env';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '..');

export type LocalStore = 'postgres' | 'redis' | 'ferretdb' | 'elasticsearch';
export const LOCAL_STORES: LocalStore[] = ['postgres', 'ferretdb', 'redis', 'elasticsearch'];

/** Which connection variable of .data/stack.env tells each store's port, and the variable scripts/stack takes it from. */
const PORTS: Record<LocalStore, { url: string; setting: string }> = {
  postgres: { url: 'POSTGRES_ADMIN_URL', setting: 'POLYSTORE_PG_PORT' },
  redis: { url: 'REDIS_URL', setting: 'POLYSTORE_REDIS_PORT' },
  ferretdb: { url: 'MONGO_URL', setting: 'POLYSTORE_MONGO_PORT' },
  elasticsearch: { url: 'ELASTICSEARCH_URL', setting: 'POLYSTORE_ES_PORT' },
};

/** Where scripts/stack records each store's main process. */
const PIDFILES: Record<LocalStore, string> = {
  postgres: path.join(ROOT, '.data', 'postgres', 'postmaster.pid'),
  redis: path.join(ROOT, '.data', 'run', 'redis.pid'),
  ferretdb: path.join(ROOT, '.data', 'run', 'ferretdb.pid'),
  elasticsearch: path.join(ROOT, '.data', 'run', 'elasticsearch.pid'),
};

export const STORE_LOGS: Record<LocalStore, string> = {
  postgres: path.join(ROOT, '.data', 'logs', 'postgres.log'),
  redis: path.join(ROOT, '.data', 'logs', 'redis.log'),
  ferretdb: path.join(ROOT, '.data', 'logs', 'ferretdb.log'),
  elasticsearch: path.join(ROOT, '.data', 'logs', 'elasticsearch.log'),
};

function stackFile(): Record<string, string> {
  const file = path.join(ROOT, '.data', 'stack.env');
  const values: Record<string, string> = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const match = /^([A-Z0-9_]+)='(.*)'$/.exec(line.trim());
    if (match) values[match[1]!] = match[2]!;
  }
  return values;
}

export function storePort(store: LocalStore): number {
  const url = stackEnv()[PORTS[store].url];
  if (!url) throw new Error(`${PORTS[store].url} is not set: no local ${store}`);
  return Number(new URL(url).port);
}

/** The pid listening on a loopback TCP port, from `ss` (undefined when nothing listens). */
export async function listeningPid(port: number): Promise<number | undefined> {
  const { stdout } = await run('ss', ['-ltnpH', `sport = :${port}`]);
  const match = /pid=(\d+)/.exec(stdout);
  return match ? Number(match[1]) : undefined;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The stores of THIS checkout's own stack (scripts/stack, data under .data/), which the failure
 * tests kill and start again. Every kill is checked twice first: the process listens on the port
 * .data/stack.env names, and it is the one scripts/stack recorded under this checkout's .data/ — so
 * a test run with another checkout's settings, or against external stores, refuses instead of
 * killing something else.
 */
export const ownStack = {
  /** The store's main process, verified as above; throws when it is not this checkout's. */
  async pid(store: LocalStore): Promise<number> {
    const port = storePort(store);
    const listening = await listeningPid(port);
    if (!listening) throw new Error(`${store}: nothing listens on port ${port}`);
    const recorded = existsSync(PIDFILES[store])
      ? Number(readFileSync(PIDFILES[store], 'utf8').split('\n')[0])
      : undefined;
    if (recorded !== listening) {
      throw new Error(
        `${store}: port ${port} is held by pid ${listening}, not by the process this checkout's scripts/stack ` +
          `recorded in ${path.relative(ROOT, PIDFILES[store])} (${recorded ?? 'none'}): refusing to touch it`,
      );
    }
    return listening;
  },

  /** kill -9 the store's main process; resolves once its port is closed. */
  async kill(store: LocalStore): Promise<void> {
    const pid = await this.pid(store);
    process.kill(pid, 'SIGKILL');
    await this.waitClosed(store);
  },

  async waitClosed(store: LocalStore, limitMs = 30_000): Promise<void> {
    const port = storePort(store);
    const deadline = Date.now() + limitMs;
    while ((await listeningPid(port)) !== undefined) {
      if (Date.now() > deadline) throw new Error(`${store} still listens on ${port} after ${limitMs} ms`);
      await sleep(50);
    }
  },

  /**
   * `scripts/stack up` as an operator runs it: starts what is not running and waits until it
   * answers. The stack's own connection variables are taken out of its environment (scripts/test
   * exports them, and a store whose URL is set counts as external); its ports are passed in.
   */
  async up(): Promise<void> {
    // scripts/stack reinstalls node_modules (npm ci) when the lockfile changed since the last
    // install: never under a running test.
    const lock = createHash('sha256')
      .update(readFileSync(path.join(ROOT, 'package-lock.json')))
      .digest('hex');
    const stamp = path.join(ROOT, 'node_modules', '.polystore-lock-hash');
    if (!existsSync(stamp) || readFileSync(stamp, 'utf8').trim() !== lock) {
      throw new Error('node_modules is older than package-lock.json: run scripts/test (or npm ci) first');
    }
    const own = stackFile();
    const env: NodeJS.ProcessEnv = Object.fromEntries(
      Object.entries(process.env).filter(([key, value]) => own[key] === undefined || own[key] !== value),
    );
    for (const [store, { setting }] of Object.entries(PORTS)) env[setting] = String(storePort(store as LocalStore));
    await run(path.join(ROOT, 'scripts', 'stack'), ['up'], { env, cwd: ROOT, timeout: 300_000 });
  },

  /** How many bytes a store's log holds now: read what a step added with `logSince`. */
  logSize(store: LocalStore): number {
    return existsSync(STORE_LOGS[store]) ? readFileSync(STORE_LOGS[store]).length : 0;
  },

  logSince(store: LocalStore, offset: number): string {
    return readFileSync(STORE_LOGS[store]).subarray(offset).toString('utf8');
  },
};
