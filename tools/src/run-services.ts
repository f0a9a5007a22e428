/**
 * Run every service and the gateway as child processes (what scripts/start does once the stores,
 * migrations and seed data are in place): start the subgraphs, wait until each is ready, start
 * the gateway, wait for it, print the URL; stop them all, gateway first, on Ctrl-C or SIGTERM.
 * A service that dies takes the others down with it, with its last log lines shown.
 *   --search-index-if-empty   once the gateway answers, fill the search index from the catalog
 *                             (npm run reindex -- --if-empty) when it holds no products yet
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { generateCheckoutKeys, metricsPortFor } from '@polystore/platform';

const ROOT = path.resolve(__dirname, '../..');
const LOGS = path.join(ROOT, '.data', 'logs');

interface ServiceSpec {
  name: string;
  entry: string;
  port: number;
  /** Its Prometheus /metrics, on loopback: <NAME>_METRICS_PORT, else the port + 5400. */
  metricsPort: number;
}

/** `<NAME>_PORT` and `<NAME>_METRICS_PORT` from the environment, else the defaults. */
function serviceSpec(name: string, entry: string, fallbackPort: number): ServiceSpec {
  const port = Number(process.env[`${name.toUpperCase()}_PORT`] ?? fallbackPort);
  const metricsPort = Number(process.env[`${name.toUpperCase()}_METRICS_PORT`] ?? metricsPortFor(port));
  return { name, entry, port, metricsPort };
}

export const SERVICES: ServiceSpec[] = [
  serviceSpec('accounts', 'subgraphs/accounts/dist/main.js', 4001),
  serviceSpec('catalog', 'subgraphs/catalog/dist/main.js', 4002),
  serviceSpec('cart', 'subgraphs/cart/dist/main.js', 4003),
  serviceSpec('search', 'subgraphs/search/dist/main.js', 4006),
  serviceSpec('orders', 'subgraphs/orders/dist/main.js', 4004),
  serviceSpec('payments', 'subgraphs/payments/dist/main.js', 4005),
];
const GATEWAY: ServiceSpec = serviceSpec('gateway', 'gateway/dist/main.js', 4000);

const running = new Map<string, ChildProcess>();
const recent = new Map<string, string[]>();
let stopping = false;

/**
 * A subgraph gets only its own signing secret; the gateway gets every subgraph's. Only orders gets
 * the checkout private key.
 */
function envFor(spec: ServiceSpec, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const entries = Object.entries(env).filter(
    ([key]) => key !== 'ORDERS_CHECKOUT_PRIVATE_KEY' || spec.name === 'orders',
  );
  if (spec.name === GATEWAY.name) return Object.fromEntries(entries);
  const own = `${spec.name.toUpperCase()}_SIGNING_SECRET`;
  return Object.fromEntries(entries.filter(([key]) => !key.endsWith('_SIGNING_SECRET') || key === own));
}

/**
 * Checkout tokens need a key pair (orders signs, payments verifies). Without one in the
 * environment a local run makes a fresh pair: tokens issued before a restart stop working, which
 * is harmless locally. Production sets both (docker compose: scripts/compose-secrets).
 */
function checkoutKeys(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  if (env['ORDERS_CHECKOUT_PRIVATE_KEY'] && env['PAYMENTS_CHECKOUT_PUBLIC_KEY']) return {};
  const keys = generateCheckoutKeys();
  return { ORDERS_CHECKOUT_PRIVATE_KEY: keys.privateKey, PAYMENTS_CHECKOUT_PUBLIC_KEY: keys.publicKey };
}

function start(spec: ServiceSpec, env: NodeJS.ProcessEnv): ChildProcess {
  mkdirSync(LOGS, { recursive: true });
  const log = createWriteStream(path.join(LOGS, `${spec.name}.log`), { flags: 'a' });
  const child = spawn(process.execPath, [path.join(ROOT, spec.entry)], {
    cwd: ROOT,
    env: { ...envFor(spec, env), PORT: String(spec.port), METRICS_PORT: String(spec.metricsPort) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  recent.set(spec.name, lines);
  for (const stream of [child.stdout!, child.stderr!]) {
    createInterface({ input: stream }).on('line', (line) => {
      log.write(`${line}\n`);
      lines.push(line);
      if (lines.length > 20) lines.shift();
      if (process.env['POLYSTORE_QUIET'] !== '1') process.stdout.write(`[${spec.name}] ${line}\n`);
    });
  }
  child.on('exit', (code, signal) => {
    running.delete(spec.name);
    log.end();
    if (!stopping) {
      console.error(`\n${spec.name} exited (${signal ?? `code ${code}`}); its last lines:\n  ${lines.join('\n  ')}`);
      void stopAll(1);
    }
  });
  running.set(spec.name, child);
  return child;
}

async function waitReady(spec: ServiceSpec, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    if (!running.has(spec.name)) throw new Error(`${spec.name} exited before it was ready`);
    try {
      const response = await fetch(`http://127.0.0.1:${spec.port}/readyz`, { signal: AbortSignal.timeout(2000) });
      if (response.ok) return;
      last = await response.text();
    } catch (error) {
      last = (error as Error).message;
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`${spec.name} not ready after ${timeoutMs / 1000} s: ${last}`);
}

/**
 * The search index is filled from the catalog through the gateway, so only once everything is up.
 * A failure leaves the product running (searches then find nothing) and says how to retry.
 */
function buildSearchIndex(env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'subgraphs/search/dist/reindex.js'), '--if-empty'], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'inherit', 'pipe'],
    });
    createInterface({ input: child.stderr! }).on('line', (line) => process.stdout.write(`[reindex] ${line}\n`));
    child.on('exit', (code) => {
      if (code !== 0) console.error('search index not built; the product runs without it. Retry: npm run reindex');
      resolve();
    });
  });
}

async function stopAll(code: number): Promise<never> {
  stopping = true;
  for (const name of [GATEWAY.name, ...SERVICES.map((s) => s.name).reverse()]) {
    const child = running.get(name);
    if (!child) continue;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 25_000))]);
    if (running.has(name)) child.kill('SIGKILL');
  }
  process.exit(code);
}

async function main(): Promise<void> {
  process.on('SIGINT', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));
  const started = Date.now();
  const gatewayUrl = `http://127.0.0.1:${GATEWAY.port}/graphql`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    GRAPH_URL: process.env['GRAPH_URL'] ?? gatewayUrl,
    // the local services answer plain http on loopback: Secure cookies would not come back over it
    COOKIE_SECURE: process.env['COOKIE_SECURE'] ?? (process.env['NODE_ENV'] === 'production' ? 'true' : 'false'),
    ...Object.fromEntries(SERVICES.map((s) => [`${s.name.toUpperCase()}_URL`, `http://127.0.0.1:${s.port}/graphql`])),
    ...checkoutKeys(process.env),
  };
  for (const spec of SERVICES) start(spec, env);
  try {
    await Promise.all(SERVICES.map((s) => waitReady(s)));
    start(GATEWAY, env);
    await waitReady(GATEWAY);
    if (process.argv.includes('--search-index-if-empty')) await buildSearchIndex(env);
  } catch (error) {
    console.error(`start failed: ${(error as Error).message}`);
    await stopAll(1);
  }
  console.log(
    `\nPolystore is up in ${((Date.now() - started) / 1000).toFixed(1)} s: ${gatewayUrl}\n` +
      `  try: curl -s ${gatewayUrl} -H 'content-type: application/json' -d '{"query":"{ products(first: 3) { edges { node { name price { amount currency } } } } }"}'\n` +
      `  metrics: ${[GATEWAY, ...SERVICES].map((s) => `${s.name} :${s.metricsPort}`).join(', ')} ` +
      `(http://${env['METRICS_HOST'] ?? '127.0.0.1'}:<port>/metrics)\n` +
      `  logs: .data/logs/<service>.log   stop: Ctrl-C (stores keep running; scripts/stack down stops them)\n`,
  );
}

if (require.main === module) void main();
