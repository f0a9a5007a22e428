import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import {
  counterValue,
  EventConsumer,
  eventMetrics,
  inboxHandler,
  PostgresOutbox,
  PostgresOutboxRelay,
  RedisStreamsBus,
  streamKey,
  streamNamed,
  WorkerSupervisor,
} from '@polystore/platform';
import {
  eventsDatabase,
  eventually,
  productUpdated,
  quietLogger,
  registry,
  throwawayRedis,
} from '../../../../test-support/events';

// Redis dies in the middle of a burst: a redis-server of this test's own (AOF, fsync every
// second, as in the stack), killed with SIGKILL and started again on the same files. A process
// kill alone loses nothing Redis has written to its AOF; a machine that dies loses what was not
// yet fsynced. The test makes that real: it cuts the AOF back to its size a moment before the
// kill, so Redis comes back without the last appends it had acknowledged — the relay had already
// marked those events published.

const EVENTS = 600;

describe('Redis restarted in the middle of a burst', () => {
  let store: Awaited<ReturnType<typeof eventsDatabase>>;
  let server: Awaited<ReturnType<typeof throwawayRedis>>;

  beforeAll(async () => {
    [store, server] = await Promise.all([
      eventsDatabase([`CREATE TABLE t_effects (event_id uuid PRIMARY KEY, applied int NOT NULL)`]),
      throwawayRedis(),
    ]);
  });
  afterAll(async () => {
    await Promise.all([store?.drop(), server?.stop()]);
  });

  it('loses no event: the relay publishes again what Redis lost, the consumer applies each once', async () => {
    const stream = streamKey(streamNamed('catalog.product'));
    const client = () =>
      new Redis(server.url, { maxRetriesPerRequest: 1, enableReadyCheck: false, retryStrategy: () => 100 });
    const [relayRedis, consumerRedis] = [client(), client()];
    const metrics = eventMetrics(store.metrics);
    const relay = new PostgresOutboxRelay({
      db: store.db,
      bus: new RedisStreamsBus(relayRedis),
      logger: quietLogger,
      metrics,
      pollMs: 100,
      confirmAfterMs: 5_000,
      retry: { minMs: 100, maxMs: 1_000 },
    });
    const consumer = new EventConsumer({
      bus: new RedisStreamsBus(consumerRedis),
      registry,
      logger: quietLogger,
      stream,
      group: 'search',
      blockMs: 200,
      claimIdleMs: 1_000,
      handler: inboxHandler(store.withTransaction, 'search', (tx, event) =>
        tx.$executeRawUnsafe(
          `INSERT INTO t_effects (event_id, applied) VALUES ($1::uuid, 1)
           ON CONFLICT (event_id) DO UPDATE SET applied = t_effects.applied + 1`,
          event.id,
        ),
      ),
    });
    // The consumer's loop ends when Redis goes away; the supervisor starts it again.
    const workers = new WorkerSupervisor([relay, consumer], {
      logger: quietLogger,
      minBackoffMs: 100,
      maxBackoffMs: 500,
    });
    workers.start();
    const outbox = new PostgresOutbox({ registry, onCommit: () => relay.wake() });

    let published = 0;
    const aof = server.incrementalAof();
    let cutAt = 0;
    for (let i = 0; i < EVENTS; i++) {
      await store.withTransaction((tx) => outbox.add(tx, productUpdated(randomUUID(), 1)));
      if (i === 250) cutAt = server.aofSize(aof);
      if (i === 300) {
        published = (
          await store.query<{ n: number }>(`SELECT count(*)::int AS n FROM outbox WHERE published_at IS NOT NULL`)
        )[0]!.n;
        await server.kill('SIGKILL');
        server.truncate(aof, cutAt);
        await server.start();
      }
    }

    await eventually(
      async () => (await store.query(`SELECT count(*)::int AS n FROM t_effects`))[0]!['n'] === EVENTS,
      60_000,
      `${EVENTS} effects`,
    );
    await eventually(
      async () =>
        (await store.query(`SELECT count(*)::int AS n FROM outbox WHERE confirmed_at IS NULL`))[0]!['n'] === 0,
      30_000,
      'every outbox row confirmed in the stream',
    );
    const republished = await counterValue(store.metrics.registry, 'events_republished_total', { stream });
    expect(published).toBeGreaterThan(250);
    // Redis really lost acknowledged appends, and the relay found and replaced them.
    expect(republished).toBeGreaterThan(0);
    expect(await store.query(`SELECT count(*)::int AS n FROM t_effects WHERE applied <> 1`)).toEqual([{ n: 0 }]);
    await eventually(
      async () => {
        const [group] = (await new RedisStreamsBus(relayRedis).stats(stream, 'search')).groups;
        return group?.pending === 0 && group.lag === 0;
      },
      10_000,
      'nothing pending',
    );
    await workers.stop();
    relayRedis.disconnect();
    consumerRedis.disconnect();
    console.log(
      `${EVENTS} events; Redis killed after ${published} were published; ${republished} lost by Redis and published again; 0 lost`,
    );
  }, 180_000);
});
