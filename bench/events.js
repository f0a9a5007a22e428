#!/usr/bin/env node
// The event path on the local stores: how fast the PostgreSQL outbox relay publishes, and how long
// an event takes from its business transaction's commit to its consumer's committed effect.
//
//   npm run build && set -a && . .data/stack.env && set +a
//   node bench/events.js [relay events=20000] [latency events=2000] [rate/s=200]
//
// 1. Relay throughput: `relay events` rows in the outbox of a fresh database, then the relay
//    (Prisma, as a service runs it) publishes them to a Redis stream, at batch sizes 100 and 500.
// 2. Latency: a writer commits one event per transaction at `rate`/s (outbox.add in the same
//    transaction as a business row); the relay is woken by each commit; a consumer group member
//    applies each event through the inbox to a table. Measured per event: commit returned →
//    consumer's transaction committed, in this one process (one clock).
// Everything runs in this process and its own database and stream namespace; nothing of the
// product is touched. Prints the machine, the command and the numbers; writes bench/results/events.json.
const { mkdirSync, readdirSync, readFileSync, writeFileSync } = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { randomUUID } = require('node:crypto');
const pg = require('pg');
const { Redis } = require('ioredis');

const root = path.resolve(__dirname, '..');
const platform = require(path.join(root, 'packages/platform/dist/index.js'));
const { createDb } = require(path.join(root, 'subgraphs/orders/dist/db.js'));

const relayEvents = Number(process.argv[2] ?? 20_000);
const latencyEvents = Number(process.argv[3] ?? 2_000);
const rate = Number(process.argv[4] ?? 200);
const need = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: set -a && . .data/stack.env && set +a`);
  return value;
};

const logger = platform.createLogger('bench', 'silent');
const registry = platform.EventRegistry.load(path.join(root, 'schema', 'events'));
const namespace = `t_bench${Date.now().toString(36)}`;

function event(i) {
  const now = new Date().toISOString();
  return platform.createEvent({
    type: 'ProductUpdated',
    version: 1,
    source: 'catalog',
    aggregateType: 'Product',
    aggregateId: randomUUID(),
    aggregateVersion: 1,
    correlationId: `bench-${i}`,
    data: {
      sku: `BENCH-${i}`,
      name: `Bench product ${i}`,
      description: 'A product of the events benchmark',
      price: { amount: 1000 + i, currency: 'EUR' },
      category: 'lighting',
      attributes: [{ name: 'colour', value: 'brass' }],
      stock: i % 50,
      status: 'ACTIVE',
      createdAt: now,
      updatedAt: now,
      changed: ['name', 'price'],
    },
  });
}

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

async function database(adminUrl) {
  // <prefix>_t_<time><random>: what the test set-up drops when a run left it behind.
  const name = `events_bench_t_${Date.now().toString(36).padStart(8, '0')}${Math.random().toString(36).slice(2, 7).padEnd(5, '0')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  const migrations = path.join(root, 'prisma', 'orders', 'migrations');
  for (const dir of readdirSync(migrations)
    .filter((d) => /^\d/.test(d))
    .sort()) {
    await client.query(readFileSync(path.join(migrations, dir, 'migration.sql'), 'utf8'));
  }
  await client.query(
    `CREATE TABLE bench_effects (event_id uuid PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`,
  );
  await client.query(`CREATE TABLE bench_business (id uuid PRIMARY KEY)`);
  await client.end();
  return {
    url: url.toString(),
    async drop() {
      const again = new pg.Client({ connectionString: adminUrl });
      await again.connect();
      await again.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await again.end();
    },
  };
}

async function main() {
  const adminUrl = need('POSTGRES_ADMIN_URL');
  const redis = new Redis(need('EVENTS_REDIS_URL'), { enableReadyCheck: false, maxRetriesPerRequest: 2 });
  const store = await database(adminUrl);
  const metrics = platform.createMetrics('bench');
  const db = createDb({ url: store.url, poolSize: 8, metrics });
  const withTransaction = platform.transactions(db);
  const bus = new platform.RedisStreamsBus(redis);
  const stream = platform.streamKey(platform.streamNamed('catalog.product'), namespace);
  const results = { relay: [], latency: null };
  try {
    // 1. Relay throughput.
    for (const batchSize of [100, 500]) {
      await db.$executeRawUnsafe('DELETE FROM outbox');
      await redis.del(stream);
      const outbox = new platform.PostgresOutbox({ registry, namespace });
      for (let i = 0; i < relayEvents; i += 500) {
        await withTransaction((tx) =>
          outbox.add(
            tx,
            Array.from({ length: Math.min(500, relayEvents - i) }, (_, j) => event(i + j)),
          ),
        );
      }
      const relay = new platform.PostgresOutboxRelay({ db, bus, logger, batchSize, confirmAfterMs: 0 });
      const started = performance.now();
      let published = 0;
      for (let n; (n = await relay.publishRound()) > 0;) published += n;
      const seconds = (performance.now() - started) / 1000;
      const inStream = Number(await redis.xlen(stream));
      if (inStream !== relayEvents || published !== relayEvents)
        throw new Error(`published ${published}, stream holds ${inStream}`);
      results.relay.push({
        batchSize,
        events: relayEvents,
        seconds: +seconds.toFixed(2),
        eventsPerSecond: Math.round(relayEvents / seconds),
      });
      console.error(`relay, batch ${batchSize}: ${relayEvents} events in ${seconds.toFixed(2)} s`);
    }

    // 2. Commit → consumer's effect committed.
    await db.$executeRawUnsafe('DELETE FROM outbox');
    await redis.del(stream);
    const committedAt = new Map();
    const latencies = [];
    // Where the time goes: commit → appended (the stream id's time), appended → handler called, handler.
    const stages = { relay: [], delivery: [], handler: [] };
    const relay = new platform.PostgresOutboxRelay({ db, bus, logger, pollMs: 1_000 });
    const outbox = new platform.PostgresOutbox({ registry, namespace, onCommit: () => relay.wake() });
    const effect = platform.inboxHandler(withTransaction, 'bench', (tx, e) =>
      tx.$executeRawUnsafe('INSERT INTO bench_effects (event_id) VALUES ($1::uuid)', e.id),
    );
    const consumer = new platform.EventConsumer({
      bus,
      registry,
      logger,
      stream,
      group: 'bench',
      blockMs: 1_000,
      handler: async (e, delivery) => {
        const received = Date.now();
        await effect(e, delivery);
        const done = Date.now();
        const committed = committedAt.get(e.id);
        const appended = Number(delivery.position.split('-')[0]);
        latencies.push(done - committed);
        stages.relay.push(appended - committed);
        stages.delivery.push(received - appended);
        stages.handler.push(done - received);
      },
    });
    const workers = new platform.WorkerSupervisor([relay, consumer], { logger });
    workers.start();
    const gap = 1000 / rate;
    const started = performance.now();
    for (let i = 0; i < latencyEvents; i++) {
      const due = started + i * gap;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const e = event(i);
      await withTransaction(async (tx) => {
        await tx.$executeRawUnsafe('INSERT INTO bench_business (id) VALUES ($1::uuid)', e.aggregateId);
        await outbox.add(tx, e);
      });
      committedAt.set(e.id, Date.now());
    }
    const writeSeconds = (performance.now() - started) / 1000;
    while (latencies.length < latencyEvents) await new Promise((r) => setTimeout(r, 50));
    await workers.stop();
    const sorted = [...latencies].sort((a, b) => a - b);
    results.latency = {
      events: latencyEvents,
      targetRatePerSecond: rate,
      achievedRatePerSecond: Math.round(latencyEvents / writeSeconds),
      p50Ms: +percentile(sorted, 50).toFixed(1),
      p90Ms: +percentile(sorted, 90).toFixed(1),
      p99Ms: +percentile(sorted, 99).toFixed(1),
      maxMs: +sorted.at(-1).toFixed(1),
      stagesP50Ms: Object.fromEntries(
        Object.entries(stages).map(([k, v]) => [
          k,
          percentile(
            [...v].sort((a, b) => a - b),
            50,
          ),
        ]),
      ),
      stagesP99Ms: Object.fromEntries(
        Object.entries(stages).map(([k, v]) => [
          k,
          percentile(
            [...v].sort((a, b) => a - b),
            99,
          ),
        ]),
      ),
    };
  } finally {
    await db.$disconnect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `events:${namespace}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await redis.del(...keys);
    } while (cursor !== '0');
    redis.disconnect();
    await store.drop();
  }

  const cpus = os.cpus();
  const report = {
    machine: `${cpus.length} × ${cpus[0].model.trim()}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.type()} ${os.release()}`,
    node: process.version,
    command: `node bench/events.js ${relayEvents} ${latencyEvents} ${rate}`,
    date: new Date().toISOString(),
    loadAverageAtEnd: os.loadavg().map((l) => +l.toFixed(1)),
    ...results,
  };
  mkdirSync(path.join(root, 'bench', 'results'), { recursive: true });
  writeFileSync(path.join(root, 'bench', 'results', 'events.json'), `${JSON.stringify(report, null, 2)}\n`);
  console.log(`${report.machine}, node ${report.node}\n${report.command}`);
  for (const r of results.relay)
    console.log(`relay, batch ${r.batchSize}: ${r.eventsPerSecond} events/s (${r.events} in ${r.seconds} s)`);
  const l = results.latency;
  console.log(
    `commit → consumer effect at ${l.achievedRatePerSecond}/s: p50 ${l.p50Ms} ms, p90 ${l.p90Ms} ms, p99 ${l.p99Ms} ms, max ${l.maxMs} ms (${l.events} events)`,
  );
  console.log(`  p50 by stage (ms): ${JSON.stringify(l.stagesP50Ms)}; p99: ${JSON.stringify(l.stagesP99Ms)}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
