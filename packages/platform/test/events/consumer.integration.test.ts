import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { pino } from 'pino';
import {
  counterValue,
  createMetrics,
  EventConsumer,
  eventMetrics,
  inboxHandler,
  RedisStreamsBus,
  streamKey,
  streamNamed,
  upsertIfNewer,
  type EventEnvelope,
  type EventHandler,
} from '@polystore/platform';
import {
  eventsDatabase,
  eventsRedis,
  eventually,
  productUpdated,
  quietLogger,
  registry,
  runFixture,
} from '../../../../test-support/events';

// Consumer groups on the stack's Redis (streams of this file's own namespace) with effects in a
// real PostgreSQL database: the inbox and a versioned projection in the consumer's own store.

const PRODUCT = streamNamed('catalog.product');

describe('consumers of a stream', () => {
  let store: Awaited<ReturnType<typeof eventsDatabase>>;
  let redis: Awaited<ReturnType<typeof eventsRedis>>;
  let bus: RedisStreamsBus;
  const running: EventConsumer[] = [];

  beforeAll(async () => {
    [store, redis] = await Promise.all([
      eventsDatabase([
        // An effect that is NOT idempotent by itself: applied twice, it says 2.
        `CREATE TABLE t_effects (event_id uuid PRIMARY KEY, applied int NOT NULL)`,
        `CREATE TABLE t_products_a (id text PRIMARY KEY, version int NOT NULL, name text NOT NULL, price int NOT NULL)`,
        `CREATE TABLE t_products_b (id text PRIMARY KEY, version int NOT NULL, name text NOT NULL, price int NOT NULL)`,
      ]),
      eventsRedis(),
    ]);
    bus = new RedisStreamsBus(redis.redis);
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((c) => c.stop()));
  });
  afterAll(async () => {
    await Promise.all([store?.drop(), redis?.drop()]);
  });

  /** A fresh stream for each test: events:t_<suffix>:{catalog}:product-<n>. */
  let n = 0;
  const freshStream = () => `${streamKey(PRODUCT, redis.namespace)}-${++n}`;

  const incrementOnce = (group: string): EventHandler =>
    inboxHandler(store.withTransaction, group, (tx, event) =>
      tx.$executeRawUnsafe(
        `INSERT INTO t_effects (event_id, applied) VALUES ($1::uuid, 1)
         ON CONFLICT (event_id) DO UPDATE SET applied = t_effects.applied + 1`,
        event.id,
      ),
    );

  const consume = (
    stream: string,
    group: string,
    handler: EventHandler,
    options: Partial<ConstructorParameters<typeof EventConsumer>[0]> = {},
  ) => {
    const consumer = new EventConsumer({
      bus,
      registry,
      logger: quietLogger,
      stream,
      group,
      handler,
      blockMs: 200,
      claimIdleMs: 300,
      ...options,
    });
    running.push(consumer);
    void consumer.run();
    return consumer;
  };

  const effects = (ids: string[]) =>
    store.query<{ event_id: string; applied: number }>(
      `SELECT event_id::text, applied FROM t_effects WHERE event_id = ANY($1::uuid[]) ORDER BY event_id`,
      [ids],
    );
  const pendingOf = async (stream: string, group: string) =>
    Number(((await redis.redis.call('XPENDING', stream, group)) as [number])[0]);

  it('applies every effect once with two instances in one group, even when every event arrives twice', async () => {
    const stream = freshStream();
    const events = Array.from({ length: 100 }, (_, i) => productUpdated(randomUUID(), 1, { name: `p${i}` }));
    const seenBy = new Map<string, number>();
    const counting = (name: string): EventHandler => {
      const apply = incrementOnce('orders');
      return async (event, delivery) => {
        await apply(event, delivery);
        seenBy.set(name, (seenBy.get(name) ?? 0) + 1);
      };
    };
    consume(stream, 'orders', counting('one'), { consumer: 'one', batchSize: 5 });
    consume(stream, 'orders', counting('two'), { consumer: 'two', batchSize: 5 });
    // Each event published twice, as after a relay crash between append and mark.
    await bus.publish(stream, [...events, ...events]);
    const ids = events.map((e) => e.id);
    await eventually(async () => (await effects(ids)).length === 100 && (await pendingOf(stream, 'orders')) === 0);
    // Both copies of every event were delivered (more, when a slow handler's entry was claimed by
    // the other instance meanwhile: at least once); the inbox kept every effect single.
    await eventually(async () => (seenBy.get('one') ?? 0) + (seenBy.get('two') ?? 0) >= 200, 10_000, 'both copies');
    expect((await effects(ids)).every((e) => e.applied === 1)).toBe(true);
    expect(seenBy.get('one')).toBeGreaterThan(0);
    expect(seenBy.get('two')).toBeGreaterThan(0);
    expect(
      await store.query(
        `SELECT count(*)::int AS n FROM inbox WHERE consumer = 'orders' AND event_id = ANY($1::uuid[])`,
        [ids],
      ),
    ).toEqual([{ n: 100 }]);
  });

  it('dead-letters a poison event after N deliveries with its reason; the stream keeps flowing; replay re-delivers it after a fix', async () => {
    const stream = freshStream();
    const serviceMetrics = createMetrics('poison-test');
    const metrics = eventMetrics(serviceMetrics);
    let broken = true;
    const apply = incrementOnce('search');
    const attempts = new Map<string, number>();
    const handler: EventHandler = async (event, delivery) => {
      attempts.set(event.id, delivery.deliveries);
      if (broken && (event.data as { name: string }).name === 'poison')
        throw new Error('cannot index a poison product');
      await apply(event, delivery);
    };
    const otherGroupSaw: string[] = [];
    const logs: Record<string, unknown>[] = [];
    const logger = pino({ level: 'debug' }, { write: (line: string) => void logs.push(JSON.parse(line)) });
    consume(stream, 'search', handler, { consumer: 'indexer', maxDeliveries: 3, metrics, logger });
    // Never claimed again (a long idle time): each delivery it sees is one the stream gave it.
    consume(stream, 'cart', async (event) => void otherGroupSaw.push(event.id), {
      consumer: 'cart-1',
      claimIdleMs: 60_000,
    });
    const [before, poison, ...after] = [
      productUpdated(randomUUID(), 1),
      productUpdated(randomUUID(), 1, { name: 'poison' }),
      productUpdated(randomUUID(), 1),
      productUpdated(randomUUID(), 1),
    ];
    await bus.publish(stream, [before!, poison!, ...after]);
    // The healthy events go through while the poison one waits for its retries.
    await eventually(
      async () => (await effects([before!.id, ...after.map((e) => e.id)])).length === 3,
      10_000,
      'healthy events',
    );
    await eventually(
      async () => (await bus.stats(stream, 'search')).groups[0]?.deadLettered === 1,
      15_000,
      'dead letter',
    );
    expect(attempts.get(poison!.id)).toBe(3);
    const [letter] = await bus.deadLetters(stream, 'search');
    expect(letter!.fields).toMatchObject({
      reason: 'handler-failed',
      error: 'cannot index a poison product',
      deliveries: '3',
      consumer: 'indexer',
      group: 'search',
      eventId: poison!.id,
    });
    expect(JSON.parse(letter!.fields['event']!)).toEqual(poison);
    expect(await pendingOf(stream, 'search')).toBe(0);
    expect(
      await counterValue(serviceMetrics.registry, 'events_dead_lettered_total', {
        group: 'search',
        reason: 'handler-failed',
      }),
    ).toBe(1);
    expect(await counterValue(serviceMetrics.registry, 'events_retries_total', { group: 'search' })).toBe(1);
    expect(await counterValue(serviceMetrics.registry, 'events_dead_letters', { stream, group: 'search' })).toBe(1);
    expect(await counterValue(serviceMetrics.registry, 'events_pending', { stream, group: 'search' })).toBe(0);
    // Every line about an event names it and its request.
    expect(logs.filter((l) => l['msg'] === 'event dead-lettered')).toEqual([
      expect.objectContaining({ eventId: poison!.id, correlationId: poison!.correlationId, reason: 'handler-failed' }),
    ]);
    expect(logs.filter((l) => l['msg'] === 'event handler failed; the event will be delivered again')).toEqual([
      expect.objectContaining({ eventId: poison!.id, correlationId: poison!.correlationId, deliveries: 1 }),
      expect.objectContaining({ eventId: poison!.id, correlationId: poison!.correlationId, deliveries: 2 }),
    ]);
    expect(logs.find((l) => l['msg'] === 'event handled' && l['eventId'] === before!.id)).toMatchObject({
      correlationId: before!.correlationId,
    });
    expect(await effects([poison!.id])).toEqual([]);

    broken = false;
    expect(await bus.replay({ stream, group: 'search', from: 'dead-letter' })).toEqual({ entries: 1 });
    await eventually(async () => (await effects([poison!.id])).length === 1, 10_000, 'the replayed poison event');
    expect((await bus.stats(stream, 'search')).groups[0]).toMatchObject({ deadLettered: 0, pending: 0 });
    // The other group saw each event once: the replay was for `search` only.
    await eventually(async () => (await bus.stats(stream, 'cart')).groups[0]?.lag === 0, 5_000, 'cart caught up');
    expect(otherGroupSaw.sort()).toEqual([before!, poison!, ...after].map((e) => e.id).sort());
  });

  it('handles different aggregates side by side and the events of one aggregate in order', async () => {
    const stream = freshStream();
    const products = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    const events = Array.from({ length: 10 }, (_, v) => products.map((id) => productUpdated(id, v + 1))).flat();
    const seen = new Map<string, number[]>();
    let inFlight = 0;
    let most = 0;
    consume(
      stream,
      'search',
      async (event) => {
        inFlight += 1;
        most = Math.max(most, inFlight);
        await new Promise((r) => setTimeout(r, 5));
        seen.set(event.aggregateId, [...(seen.get(event.aggregateId) ?? []), event.aggregateVersion]);
        inFlight -= 1;
      },
      { batchSize: 40, concurrency: 4, claimIdleMs: 60_000 },
    );
    await bus.publish(stream, events);
    await eventually(async () => [...seen.values()].flat().length === 40);
    for (const id of products) expect(seen.get(id)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(most).toBeGreaterThan(1);
    expect(most).toBeLessThanOrEqual(4);
  });

  it('reports a group that falls behind as not ready, and a caught-up one with its detail', async () => {
    const stream = freshStream();
    await redis.redis.call('XGROUP', 'CREATE', stream, 'search', '0', 'MKSTREAM');
    await bus.publish(stream, [
      productUpdated(randomUUID(), 1),
      productUpdated(randomUUID(), 1),
      productUpdated(randomUUID(), 1),
    ]);
    const idle = new EventConsumer({
      bus,
      registry,
      logger: quietLogger,
      stream,
      group: 'search',
      handler: async () => undefined,
      maxBacklog: 2,
    });
    await expect(idle.check()).rejects.toThrow('lagging: 3 undelivered, 0 pending');
    const running = consume(stream, 'search', async () => undefined, { maxBacklog: 2 });
    await eventually(
      async () => (await bus.stats(stream, 'search')).groups[0]?.lag === 0 && (await pendingOf(stream, 'search')) === 0,
    );
    expect(await running.check()).toEqual({ detail: expect.objectContaining({ group: 'search', lag: 0, pending: 0 }) });
  });

  it('dead-letters an invalid event at once, with its problems, and keeps the stream flowing', async () => {
    const stream = freshStream();
    const handled: string[] = [];
    consume(stream, 'search', async (event) => void handled.push(event.id), { consumer: 'strict' });
    const bad = productUpdated(randomUUID(), 1);
    (bad.data as { stock: unknown }).stock = 'many';
    const good = productUpdated(randomUUID(), 1);
    // A producer that skipped its outbox's validation, and one that wrote no JSON at all.
    await redis.redis.call('XADD', stream, '*', 'id', bad.id, 'type', bad.type, 'event', JSON.stringify(bad));
    await redis.redis.call('XADD', stream, '*', 'id', 'x', 'type', 'Garbage', 'event', '{not json');
    await bus.publish(stream, [good]);
    await eventually(
      async () => handled.length === 1 && (await bus.stats(stream, 'search')).groups[0]?.deadLettered === 2,
    );
    expect(handled).toEqual([good.id]);
    const letters = await bus.deadLetters(stream, 'search');
    expect(letters.map((l) => l.fields['reason'])).toEqual(['invalid', 'invalid']);
    expect(letters[0]!.fields).toMatchObject({
      eventId: bad.id,
      deliveries: '1',
      error: 'INVALID_EVENT /data/stock must be integer',
    });
    expect(JSON.parse(letters[0]!.fields['problems']!)).toEqual([
      { code: 'INVALID_EVENT', path: '/data/stock', message: 'must be integer' },
    ]);
    expect(letters[1]!.fields['error']).toMatch(/^not JSON/);
    expect(await pendingOf(stream, 'search')).toBe(0);
  });

  it('ends, from events delivered 2–3 times in shuffled order, in the projection a clean run makes', async () => {
    // 20 products × 8 versions; each event carries the product's state after it.
    const products = Array.from({ length: 20 }, () => randomUUID());
    const history = products.flatMap((id) =>
      Array.from({ length: 8 }, (_, v) =>
        productUpdated(id, v + 1, { name: `${id.slice(0, 4)} v${v + 1}`, price: 100 * (v + 1) + id.charCodeAt(0) }),
      ),
    );
    let stale = 0;
    const project = (table: 't_products_a' | 't_products_b', group: string): EventHandler =>
      inboxHandler(store.withTransaction, group, async (tx, event: EventEnvelope) => {
        const data = event.data as { name: string; price: { amount: number } };
        const wrote = await upsertIfNewer(tx, {
          table,
          key: { id: event.aggregateId },
          version: event.aggregateVersion,
          values: { name: data.name, price: data.price.amount },
        });
        if (!wrote) stale += 1;
      });
    const hash = async (table: string) =>
      (
        await store.query<{ h: string }>(
          `SELECT md5(string_agg(id || ':' || version || ':' || name || ':' || price, ',' ORDER BY id)) AS h FROM ${table}`,
        )
      )[0]!.h;

    const clean = freshStream();
    consume(clean, 'clean', project('t_products_a', 'clean'));
    await bus.publish(clean, history);

    const dirty = freshStream();
    const copies = history.flatMap((event, i) => Array.from({ length: 2 + (i % 2) }, () => event));
    for (let i = copies.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      [copies[i], copies[j]] = [copies[j]!, copies[i]!];
    }
    consume(dirty, 'dirty', project('t_products_b', 'dirty'), { consumer: 'd1', batchSize: 7 });
    consume(dirty, 'dirty', project('t_products_b', 'dirty'), { consumer: 'd2', batchSize: 7 });
    await bus.publish(dirty, copies);

    await eventually(
      async () => (await bus.stats(clean, 'clean')).groups[0]?.lag === 0 && (await pendingOf(clean, 'clean')) === 0,
    );
    await eventually(
      async () => (await bus.stats(dirty, 'dirty')).groups[0]?.lag === 0 && (await pendingOf(dirty, 'dirty')) === 0,
    );
    expect(await store.query('SELECT count(*)::int AS n FROM t_products_a')).toEqual([{ n: 20 }]);
    expect(await store.query('SELECT min(version) AS lo, max(version) AS hi FROM t_products_b')).toEqual([
      { lo: 8, hi: 8 },
    ]);
    expect(await hash('t_products_b')).toBe(await hash('t_products_a'));
    // Both guards were exercised: duplicates stopped by the inbox, older versions by the version check.
    const handledOnce = await store.query(`SELECT count(*)::int AS n FROM inbox WHERE consumer = 'dirty'`);
    expect(handledOnce).toEqual([{ n: history.length }]);
    expect(copies.length).toBeGreaterThan(history.length * 2);
    expect(stale).toBeGreaterThan(0);
  });

  it('rewinds a group to a time: what came after is delivered again (and the inbox keeps the effects single)', async () => {
    const stream = freshStream();
    const deliveries: string[] = [];
    const apply = incrementOnce('orders');
    consume(
      stream,
      'orders',
      async (event, delivery) => {
        deliveries.push(event.id);
        await apply(event, delivery);
      },
      { claimIdleMs: 60_000 }, // no second delivery of a slow handler's entry: count what the rewind gives
    );
    const first = [productUpdated(randomUUID(), 1), productUpdated(randomUUID(), 1)];
    await bus.publish(stream, first);
    await eventually(async () => deliveries.length === 2);
    const cut = new Date();
    await new Promise((r) => setTimeout(r, 5));
    const second = [productUpdated(randomUUID(), 1), productUpdated(randomUUID(), 1), productUpdated(randomUUID(), 1)];
    await bus.publish(stream, second);
    await eventually(async () => deliveries.length === 5);
    expect(await bus.replay({ stream, group: 'orders', from: { time: cut } })).toEqual({ entries: 3 });
    await eventually(async () => deliveries.length === 8, 10_000, 'the replayed entries');
    expect(deliveries.slice(5)).toEqual(second.map((e) => e.id));
    expect((await effects([...first, ...second].map((e) => e.id))).map((e) => e.applied)).toEqual([1, 1, 1, 1, 1]);
  });

  it('lets another consumer claim what a consumer killed before its ack held: 0 lost, pending list empty', async () => {
    const stream = freshStream();
    const events = Array.from({ length: 40 }, () => productUpdated(randomUUID(), 1));
    await bus.publish(stream, events);
    const child = runFixture(path.join(__dirname, 'fixtures', 'consumer.js'), {
      DATABASE_URL: store.database.appUrl,
      REDIS_URL: redis.url,
      STREAM: stream,
      GROUP: 'payments',
      KILL_AFTER: '7',
      SCHEMA_DIR: path.resolve(__dirname, '../../../../schema/events'),
    });
    const { signal, output } = await child.exit;
    expect([signal, output]).toEqual(['SIGKILL', '']);
    // The dead consumer's entries: the 7th applied but never acked, the rest of its batch untouched.
    const held = await redis.redis.call('XPENDING', stream, 'payments', '-', '+', 100, 'child');
    expect((held as unknown[]).length).toBeGreaterThanOrEqual(1);
    const ids = events.map((e) => e.id);
    expect((await effects(ids)).length).toBe(7);

    const claimed: string[] = [];
    const apply = incrementOnce('payments');
    consume(
      stream,
      'payments',
      async (event, delivery) => {
        if (delivery.deliveries > 1) claimed.push(delivery.position);
        await apply(event, delivery);
      },
      { consumer: 'survivor', claimIdleMs: 500 },
    );
    await eventually(
      async () => (await effects(ids)).length === 40 && (await pendingOf(stream, 'payments')) === 0,
      20_000,
      'all 40 effects, nothing pending',
    );
    expect((await effects(ids)).every((e) => e.applied === 1)).toBe(true);
    // What the dead consumer held came to the survivor as a second delivery (XAUTOCLAIM), the 7th among them.
    const heldPositions = (held as [string][]).map(([position]) => position);
    expect(claimed).toEqual(expect.arrayContaining(heldPositions));
    const seventh = (await redis.redis.call('XRANGE', stream, '-', '+', 'COUNT', 7)) as [string][];
    expect(heldPositions).toContain(seventh[6]![0]);
  });
});
