/**
 * Run every service and the gateway as child processes (what scripts/start does once the stores,
 * migrations and seed data are in place): start the subgraphs, wait until each is ready, start
 * the gateway, wait for it, print the URL; stop them all, gateway first, on Ctrl-C or SIGTERM.
 * A service that dies is started again (tools/src/supervisor.ts: backoff from 250 ms; given up
 * after 5 crashes within 2 minutes) while the others keep serving; each restart is logged with its
 * count and the service's last lines.
 *   --search-index-if-empty   once the gateway answers, fill the search index from the catalog
 *                             (npm run reindex -- --if-empty) when it holds no products yet
 */
import { spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { generateCheckoutKeys, metricsPortFor } from '@polystore/platform';
import { SAMPLE_PASSWORD, SAMPLE_STAFF_EMAIL, sampleCustomer } from './sample-data';
import { Supervisor } from './supervisor';

const ROOT = path.resolve(__dirname, '../..');
const LOGS = process.env['POLYSTORE_LOG_DIR'] ?? path.join(ROOT, '.data', 'logs');

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

const logs = new Map<string, WriteStream>();
const supervisor = new Supervisor({
  log: (line) => console.error(`[supervisor] ${line}`),
  onOutput(name, line) {
    let log = logs.get(name);
    if (!log) {
      mkdirSync(LOGS, { recursive: true });
      log = createWriteStream(path.join(LOGS, `${name}.log`), { flags: 'a' });
      logs.set(name, log);
    }
    log.write(`${line}\n`);
    if (process.env['POLYSTORE_QUIET'] !== '1') process.stdout.write(`[${name}] ${line}\n`);
  },
});

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

function start(spec: ServiceSpec, env: NodeJS.ProcessEnv): void {
  supervisor.start({
    name: spec.name,
    command: process.execPath,
    args: [path.join(ROOT, spec.entry)],
    cwd: ROOT,
    env: { ...envFor(spec, env), PORT: String(spec.port), METRICS_PORT: String(spec.metricsPort) },
  });
}

async function waitReady(spec: ServiceSpec, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    if (supervisor.state(spec.name)?.gaveUp) throw new Error(`${spec.name} kept exiting before it was ready`);
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

export interface BannerFacts {
  gatewayUrl: string;
  seconds: number;
  /** The gateway first, then the subgraphs: their metrics ports are listed. */
  services: Pick<ServiceSpec, 'name' | 'metricsPort'>[];
  metricsHost: string;
  /** The sample customer to sign in as (sampleCustomer(): the one the README names). */
  customerEmail: string;
}

/** What scripts/start prints once everything answers: where, who to sign in as, metrics, logs, stop. */
export function bannerText(facts: BannerFacts): string {
  const { gatewayUrl } = facts;
  return (
    `\nPolystore is up in ${facts.seconds.toFixed(1)} s: ${gatewayUrl}\n` +
    `  try: curl -s ${gatewayUrl} -H 'content-type: application/json' -d '{"query":"{ products(first: 3) { edges { node { name price { amount currency } } } } }"}'\n` +
    `  sign in (password ${SAMPLE_PASSWORD}): customer ${facts.customerEmail}, staff ${SAMPLE_STAFF_EMAIL}\n` +
    `  metrics: ${facts.services.map((s) => `${s.name} :${s.metricsPort}`).join(', ')} ` +
    `(http://${facts.metricsHost}:<port>/metrics)\n` +
    `  logs: .data/logs/<service>.log\n` +
    `  stop: Ctrl-C (the stores keep running: scripts/stack down), or scripts/stop after --detach (stores too)\n`
  );
}

async function stopAll(code: number): Promise<never> {
  await supervisor.stop([GATEWAY.name, ...SERVICES.map((s) => s.name).reverse()]);
  const restarted = [GATEWAY, ...SERVICES]
    .map((s) => [s.name, supervisor.state(s.name)?.restarts ?? 0] as const)
    .filter(([, n]) => n > 0);
  if (restarted.length) console.error(`restarted: ${restarted.map(([name, n]) => `${name} ${n}×`).join(', ')}`);
  await Promise.all([...logs.values()].map((log) => new Promise((resolve) => log.end(resolve))));
  process.exit(code);
}

async function main(): Promise<void> {
  let stopping = false;
  const onSignal = () => {
    if (stopping) process.exit(1); // a second Ctrl-C: do not wait
    stopping = true;
    void stopAll(0);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
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
    bannerText({
      gatewayUrl,
      seconds: (Date.now() - started) / 1000,
      services: [GATEWAY, ...SERVICES],
      metricsHost: env['METRICS_HOST'] ?? '127.0.0.1',
      customerEmail: sampleCustomer().email,
    }),
  );
}

if (require.main === module) void main();
