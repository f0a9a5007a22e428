#!/usr/bin/env node
// Does any process grow? The storefront's six operations (bench/storefront-operations.js) mixed,
// for a long time, through the running product, while every process's resident memory is sampled
// every 10 s: the product's own (from each service's /metrics) and the stores' (from /proc). After
// the warm-up, the slope of each process's RSS (least squares, MB per minute) is the figure; the
// goal is flat, at most 0.5 MB/min for every process.
//
//   RATE_LIMIT_POINTS=100000000 scripts/start --detach      (the bench is one client: lift its quota)
//   node bench/soak.js [minutes=30] [connections=8] [warmup-minutes=min(5, minutes/5)]
//
// The client is a browser-like one: keep-alive connections, one cookie jar (the signed-in
// customer's session, refreshed by the gateway as its access token expires), each connection
// sending the next operation of the mix (HomePage, ProductPage, SearchProducts, CategoryPage as
// anyone; Cart, AccountPage signed in). Latencies are measured by the client per operation;
// errors are HTTP statuses other than 200 and GraphQL errors, by code. GATEWAY_URL (default
// http://127.0.0.1:4000/graphql) and <SERVICE>_PORT / <SERVICE>_METRICS_PORT as scripts/start
// uses them say where things are; METRICS_TOKEN when the metrics ports want one.
//
// Prints the machine, the command and a table; writes bench/results/soak.json (every sample too).
const { execFileSync } = require('node:child_process');
const { mkdirSync, readFileSync, readdirSync, writeFileSync } = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { setTimeout: sleep } = require('node:timers/promises');
const { Pool } = require('undici');
const { sum } = require('./prometheus-text');
const { body, storefront } = require('./storefront-operations');

const minutes = Number(process.argv[2] ?? 30);
const connections = Number(process.argv[3] ?? 8);
const warmupMinutes = Number(process.argv[4] ?? Math.min(5, minutes / 5));
const SAMPLE_EVERY_MS = 10_000;
const GOAL_MB_PER_MIN = 0.5;

const url = new URL(process.env.GATEWAY_URL ?? 'http://127.0.0.1:4000/graphql');
const SERVICES = {
  gateway: 4000,
  accounts: 4001,
  catalog: 4002,
  cart: 4003,
  orders: 4004,
  payments: 4005,
  search: 4006,
};
const metricsUrls = Object.fromEntries(
  Object.entries(SERVICES).map(([name, fallback]) => {
    const port = Number(process.env[`${name.toUpperCase()}_PORT`] ?? (name === 'gateway' ? url.port : fallback));
    const metricsPort = Number(process.env[`${name.toUpperCase()}_METRICS_PORT`] ?? port + 5400);
    return [name, `http://127.0.0.1:${metricsPort}/metrics`];
  }),
);
const metricsHeaders = process.env.METRICS_TOKEN ? { authorization: `Bearer ${process.env.METRICS_TOKEN}` } : {};

/** The stores' main processes, by the ports of .data/stack.env (or the defaults). */
function storePids() {
  const env = {};
  try {
    for (const line of readFileSync(path.join(__dirname, '..', '.data', 'stack.env'), 'utf8').split('\n')) {
      const m = /^([A-Z_]+)='(.*)'$/.exec(line.trim());
      if (m) env[m[1]] = m[2];
    }
  } catch {
    // no local stack: no store figures
  }
  const portOf = (name, fallback) => (env[name] ? Number(new URL(env[name]).port) : fallback);
  const ports = {
    postgres: portOf('POSTGRES_ADMIN_URL', 5432),
    redis: portOf('REDIS_URL', 6379),
    ferretdb: portOf('MONGO_URL', 27017),
    elasticsearch: portOf('ELASTICSEARCH_URL', 9200),
  };
  const pids = {};
  for (const [name, port] of Object.entries(ports)) {
    const out = execFileSync('ss', ['-ltnpH', `sport = :${port}`], { encoding: 'utf8' });
    const m = /pid=(\d+)/.exec(out);
    if (m) pids[name] = Number(m[1]);
  }
  return pids;
}

function rssOfPid(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)[1]) * 1024;
}

/** PostgreSQL is many processes: the postmaster and every child of it. */
function rssOfTree(pid) {
  let total = rssOfPid(pid);
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1].split(' ')[1] === String(pid))
        total += rssOfPid(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return total;
}

/** Latencies in log-spaced buckets (1 µs … ~100 s, 5 % apart): constant memory for any run length. */
class Latencies {
  constructor() {
    this.counts = new Map();
    this.n = 0;
  }
  add(ms) {
    const bucket = Math.max(0, Math.ceil(Math.log(Math.max(ms, 0.001) / 0.001) / Math.log(1.05)));
    this.counts.set(bucket, (this.counts.get(bucket) ?? 0) + 1);
    this.n++;
  }
  quantile(q) {
    let seen = 0;
    for (const bucket of [...this.counts.keys()].sort((a, b) => a - b)) {
      seen += this.counts.get(bucket);
      if (seen >= q * this.n) return +(0.001 * 1.05 ** bucket).toFixed(1);
    }
    return 0;
  }
}

/** Least-squares slope of y (MiB) against t (minutes). */
function slope(points) {
  const n = points.length;
  if (n < 3) return NaN;
  const mt = points.reduce((s, p) => s + p.t, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  const num = points.reduce((s, p) => s + (p.t - mt) * (p.y - my), 0);
  const den = points.reduce((s, p) => s + (p.t - mt) ** 2, 0);
  return num / den;
}

async function sampleMemory(started, stores) {
  const at = (Date.now() - started) / 60_000;
  const sample = { minute: +at.toFixed(2) };
  await Promise.all(
    Object.entries(metricsUrls).map(async ([name, metricsUrl]) => {
      try {
        const text = await (await fetch(metricsUrl, { headers: metricsHeaders })).text();
        const mib = (metric) => +(sum(text, metric) / 2 ** 20).toFixed(1);
        sample[name] = {
          rssMiB: mib('process_resident_memory_bytes'),
          heapUsedMiB: mib('nodejs_heap_size_used_bytes'),
          heapTotalMiB: mib('nodejs_heap_size_total_bytes'),
          externalMiB: mib('nodejs_external_memory_bytes'),
        };
      } catch {
        sample[name] = null;
      }
    }),
  );
  for (const [name, pid] of Object.entries(stores)) {
    try {
      sample[name] = { rssMiB: +((name === 'postgres' ? rssOfTree(pid) : rssOfPid(pid)) / 2 ** 20).toFixed(1) };
    } catch {
      sample[name] = null;
    }
  }
  const own = process.memoryUsage();
  sample.client = { rssMiB: +(own.rss / 2 ** 20).toFixed(1), heapUsedMiB: +(own.heapUsed / 2 ** 20).toFixed(1) };
  return sample;
}

async function main() {
  const { cookie, scenarios } = await storefront(url.href);
  const jar = new Map(cookie.split('; ').map((pair) => [pair.slice(0, pair.indexOf('=')), pair]));
  const pool = new Pool(url.origin, { connections });
  const stores = storePids();
  const bodies = scenarios.map(([name, variables, signedIn]) => ({ name, signedIn, body: body(name, variables) }));
  const perOperation = Object.fromEntries(
    bodies.map((b) => [b.name, { latencies: new Latencies(), requests: 0, errors: {} }]),
  );
  const started = Date.now();
  const endAt = started + minutes * 60_000;
  const samples = [];
  let next = 0;

  async function client() {
    while (Date.now() < endAt) {
      const op = bodies[next++ % bodies.length];
      const stats = perOperation[op.name];
      const t0 = performance.now();
      let outcome;
      try {
        const response = await pool.request({
          path: url.pathname,
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            ...(op.signedIn ? { cookie: [...jar.values()].join('; ') } : {}),
          },
          body: op.body,
        });
        const setCookie = response.headers['set-cookie'];
        for (const line of [setCookie ?? []].flat()) {
          const pair = line.split(';')[0];
          jar.set(pair.slice(0, pair.indexOf('=')), pair);
        }
        const json = await response.body.json();
        if (response.statusCode !== 200) outcome = `http_${response.statusCode}`;
        else if (json.errors?.length) outcome = [...new Set(json.errors.map((e) => e.extensions?.code))].join(',');
      } catch (error) {
        outcome = `transport:${error.code ?? error.message}`;
      }
      stats.latencies.add(performance.now() - t0);
      stats.requests++;
      if (outcome) stats.errors[outcome] = (stats.errors[outcome] ?? 0) + 1;
    }
  }

  const sampler = (async () => {
    while (Date.now() < endAt) {
      samples.push(await sampleMemory(started, stores));
      const s = samples.at(-1);
      process.stderr.write(
        `${s.minute.toFixed(1)} min: ${Object.entries(s)
          .filter(([k, v]) => k !== 'minute' && v)
          .map(([k, v]) => `${k} ${v.rssMiB}`)
          .join(', ')} MiB\n`,
      );
      await sleep(Math.min(SAMPLE_EVERY_MS, Math.max(0, endAt - Date.now())));
    }
    samples.push(await sampleMemory(started, stores));
  })();
  await Promise.all([...Array.from({ length: connections }, client), sampler]);
  await pool.close();

  const measured = samples.filter((s) => s.minute >= warmupMinutes);
  const processes = Object.keys(samples[0]).filter((k) => k !== 'minute');
  const memory = processes.map((name) => {
    const points = measured.filter((s) => s[name]).map((s) => ({ t: s.minute, y: s[name].rssMiB }));
    const heap = measured
      .filter((s) => s[name]?.heapUsedMiB !== undefined)
      .map((s) => ({ t: s.minute, y: s[name].heapUsedMiB }));
    const mbPerMin = slope(points);
    return {
      process: name,
      rssStartMiB: samples.find((s) => s[name])?.[name].rssMiB,
      rssAfterWarmupMiB: points[0]?.y,
      rssEndMiB: points.at(-1)?.y,
      rssSlopeMiBPerMin: +mbPerMin.toFixed(2),
      heapSlopeMiBPerMin: heap.length ? +slope(heap).toFixed(2) : undefined,
      flat: name === 'client' ? undefined : mbPerMin <= GOAL_MB_PER_MIN,
    };
  });
  const seconds = (Date.now() - started) / 1000;
  const operations = Object.entries(perOperation).map(([name, s]) => ({
    operation: name,
    requests: s.requests,
    rps: Math.round(s.requests / seconds),
    p50Ms: s.latencies.quantile(0.5),
    p99Ms: s.latencies.quantile(0.99),
    maxMs: s.latencies.quantile(1),
    errors: Object.values(s.errors).reduce((a, b) => a + b, 0),
    errorKinds: s.errors,
  }));
  const report = {
    date: new Date().toISOString(),
    machine: `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB`,
    clientNode: process.version,
    command: `node bench/soak.js ${minutes} ${connections} ${warmupMinutes}`,
    setup: 'scripts/start (all services and the gateway on one machine, local stack: FerretDB for the catalog)',
    goal: `RSS slope after the first ${warmupMinutes} min ≤ ${GOAL_MB_PER_MIN} MiB/min for every process`,
    memory,
    operations,
    samples,
  };
  console.table(memory);
  console.table(operations.map(({ errorKinds: _kinds, ...o }) => o));
  mkdirSync(path.join(__dirname, 'results'), { recursive: true });
  writeFileSync(path.join(__dirname, 'results', 'soak.json'), `${JSON.stringify(report, null, 2)}\n`);
}

main().catch((error) => {
  console.error(error.stack ?? error.message);
  process.exit(1);
});
