import { randomUUID } from 'node:crypto';
import path from 'node:path';
import {
  inboxHandler,
  PostgresOutbox,
  RedisStreamsBus,
  streamKey,
  streamNamed,
  EventConsumer,
  type EventEnvelope,
} from '@polystore/platform';
import {
  eventsDatabase,
  eventsRedis,
  eventually,
  productUpdated,
  quietLogger,
  registry,
  runFixture,
  streamEntries,
} from '../../../../test-support/events';

// The relay in a child process of its own (fixtures/relay.js, the built platform), SIGKILLed at a
// point it chooses (KILL_AT); the outbox in a real orders database, the stream on the stack's Redis.

const KILLS = Number(process.env['POLYSTORE_RELAY_KILLS'] ?? 1000);
const RELAY = path.join(__dirname, 'fixtures', 'relay.js');

describe('a relay killed at the worst moments', () => {
  let store: Awaited<ReturnType<typeof eventsDatabase>>;
  let redis: Awaited<ReturnType<typeof eventsRedis>>;
  let stream: string;

  beforeAll(async () => {
    [store, redis] = await Promise.all([
      eventsDatabase([`CREATE TABLE t_effects (event_id uuid PRIMARY KEY, applied int NOT NULL)`]),
      eventsRedis(),
    ]);
    stream = streamKey(streamNamed('catalog.product'), redis.namespace);
  });
  afterAll(async () => {
    await Promise.all([store?.drop(), redis?.drop()]);
  });
  beforeEach(async () => {
    await store.query('DELETE FROM outbox');
    await redis.redis.del(stream);
  });

  const outbox = () => new PostgresOutbox({ registry, namespace: redis.namespace });
  const relay = (killAt: 'before-publish' | 'after-publish' | 'never') =>
    runFixture(RELAY, { DATABASE_URL: store.database.appUrl, REDIS_URL: redis.url, KILL_AT: killAt }).exit;

  it(`publishes every event after the relay was killed ${KILLS} times after the commit and before publishing: 0 lost`, async () => {
    const committed: string[] = [];
    let kills = 0;
    let spared = 0;
    // Two relays at a time (SKIP LOCKED shares the rows between them); each commits one more
    // event first. A relay that found every row locked by the other exits without publishing.
    const worker = async () => {
      while (kills < KILLS) {
        const event = productUpdated(randomUUID(), 1);
        await store.withTransaction((tx) => outbox().add(tx, event));
        committed.push(event.id);
        const { signal, code, output } = await relay('before-publish');
        if (signal === 'SIGKILL') kills += 1;
        else if (code === 0) spared += 1;
        else throw new Error(`the relay failed instead of dying: ${output}`);
      }
    };
    await Promise.all([worker(), worker()]);
    expect(kills).toBeGreaterThanOrEqual(KILLS);
    // Nothing got out while the relays died before publishing; everything is still in the outbox.
    expect(await redis.redis.exists(stream)).toBe(0);
    expect(await store.query(`SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL`)).toEqual([
      { n: committed.length },
    ]);

    // Restarted: one relay that is allowed to finish.
    expect(await relay('never')).toMatchObject({ code: 0, signal: null });
    const published = (await streamEntries(redis.redis, stream)).map((e) => e.eventId);
    expect(published.length).toBe(committed.length);
    expect(new Set(published)).toEqual(new Set(committed));
    expect(await store.query(`SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL`)).toEqual([{ n: 0 }]);
    console.log(
      `relay killed ${kills} times before publishing (${spared} found nothing to lock); ${committed.length} events, 0 lost`,
    );
  }, 1_800_000);

  it('delivers the duplicate of a crash after publishing and before marking, and the effect is applied once', async () => {
    const event = productUpdated(randomUUID(), 1);
    await store.withTransaction((tx) => outbox().add(tx, event));
    // Appended, then killed before the outbox row was marked: the row is still unpublished.
    expect(await relay('after-publish')).toMatchObject({ signal: 'SIGKILL' });
    expect(await store.query(`SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL`)).toEqual([{ n: 1 }]);
    expect(await relay('never')).toMatchObject({ code: 0 });
    const entries = await streamEntries(redis.redis, stream);
    expect(entries.map((e) => e.eventId)).toEqual([event.id, event.id]);

    const deliveries: EventEnvelope[] = [];
    const apply = inboxHandler(store.withTransaction, 'search', (tx, e) =>
      tx.$executeRawUnsafe(
        `INSERT INTO t_effects (event_id, applied) VALUES ($1::uuid, 1)
         ON CONFLICT (event_id) DO UPDATE SET applied = t_effects.applied + 1`,
        e.id,
      ),
    );
    const consumer = new EventConsumer({
      bus: new RedisStreamsBus(redis.redis),
      registry,
      logger: quietLogger,
      stream,
      group: 'search',
      blockMs: 200,
      handler: async (e, delivery) => {
        deliveries.push(e);
        await apply(e, delivery);
      },
    });
    const running = consumer.run();
    await eventually(async () => deliveries.length === 2, 10_000, 'both copies delivered');
    await consumer.stop();
    await running;
    expect(await store.query(`SELECT applied FROM t_effects WHERE event_id = $1`, [event.id])).toEqual([
      { applied: 1 },
    ]);
  });
});
