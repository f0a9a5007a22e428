import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import {
  counterValue,
  eventMetrics,
  InvalidEventError,
  PostgresOutbox,
  PostgresOutboxRelay,
  RedisStreamsBus,
  streamKey,
  streamNamed,
} from '@polystore/platform';
import { OrderRepository, type NewOrder } from '../../../../subgraphs/orders/src/order/order.repository';
import {
  eventsDatabase,
  eventsRedis,
  eventually,
  productUpdated,
  quietLogger,
  registry,
  streamEntries,
} from '../../../../test-support/events';

// The PostgreSQL outbox against the real stores: an orders database (its outbox table comes from
// prisma/orders' migrations), the service's Prisma client and role, the stack's Redis.

const newOrder = (customerId: string): NewOrder => ({
  customerId,
  currency: 'EUR',
  subtotal: 1000,
  total: 1000,
  itemCount: 1,
  lines: [{ productId: randomUUID(), productName: 'Lamp', unitPrice: 1000, quantity: 1, lineTotal: 1000 }],
});

describe('the PostgreSQL outbox and its relay', () => {
  let store: Awaited<ReturnType<typeof eventsDatabase>>;
  let bus: Awaited<ReturnType<typeof eventsRedis>>;
  let stream: string;

  beforeAll(async () => {
    [store, bus] = await Promise.all([eventsDatabase(), eventsRedis()]);
    stream = streamKey(streamNamed('catalog.product'), bus.namespace);
  });
  afterAll(async () => {
    await Promise.all([store?.drop(), bus?.drop()]);
  });
  beforeEach(async () => {
    await store.query('DELETE FROM outbox');
    await bus.redis.del(stream);
  });

  const outbox = () => new PostgresOutbox({ registry, namespace: bus.namespace });
  const relay = (options: Partial<ConstructorParameters<typeof PostgresOutboxRelay>[0]> = {}) =>
    new PostgresOutboxRelay({
      db: store.db,
      bus: new RedisStreamsBus(bus.redis),
      logger: quietLogger,
      confirmAfterMs: 0,
      ...options,
    });
  const outboxRows = () =>
    store.query<{ event_id: string; published_at: Date | null; attempts: number; last_error: string | null }>(
      'SELECT event_id, published_at, attempts, last_error FROM outbox ORDER BY seq',
    );

  it('writes the event in the business transaction; the relay publishes it and marks it', async () => {
    const orders = new OrderRepository(store.db);
    const event = productUpdated(randomUUID(), 1);
    const order = await store.withTransaction(async (tx) => {
      const created = await orders.create(tx, newOrder(randomUUID()));
      await outbox().add(tx, event);
      return created;
    });
    expect(order.id).toBeDefined();
    expect(await outboxRows()).toEqual([expect.objectContaining({ event_id: event.id, published_at: null })]);

    expect(await relay().publishRound()).toBe(1);
    expect(await streamEntries(bus.redis, stream)).toEqual([{ position: expect.any(String), eventId: event.id }]);
    expect(await outboxRows()).toEqual([
      expect.objectContaining({ event_id: event.id, published_at: expect.any(Date), attempts: 1 }),
    ]);
    expect(await relay().publishRound()).toBe(0);
  });

  it('rolls a business write back with its outbox row when it fails after writing it: 0 events', async () => {
    const customerId = randomUUID();
    const orders = new OrderRepository(store.db);
    await expect(
      store.withTransaction(async (tx) => {
        await orders.create(tx, newOrder(customerId));
        await outbox().add(tx, productUpdated(randomUUID(), 1));
        throw new Error('a rule broken after the outbox write');
      }),
    ).rejects.toThrow('a rule broken after the outbox write');
    expect(await outboxRows()).toEqual([]);
    expect(await store.query('SELECT id FROM orders WHERE customer_id = $1', [customerId])).toEqual([]);
    expect(await relay().publishRound()).toBe(0);
    expect(await bus.redis.exists(stream)).toBe(0);
  });

  it('never publishes an invalid event: outbox.add throws and the business write rolls back', async () => {
    const customerId = randomUUID();
    const orders = new OrderRepository(store.db);
    const invalid = productUpdated(randomUUID(), 1);
    (invalid.data as { price: unknown }).price = { amount: -5, currency: 'EUR' };
    const failure = store.withTransaction(async (tx) => {
      await orders.create(tx, newOrder(customerId));
      await outbox().add(tx, invalid);
    });
    await expect(failure).rejects.toBeInstanceOf(InvalidEventError);
    await expect(failure).rejects.toMatchObject({
      problems: [{ code: 'INVALID_EVENT', path: '/data/price/amount', message: 'must be >= 0' }],
    });
    expect(await outboxRows()).toEqual([]);
    expect(await store.query('SELECT id FROM orders WHERE customer_id = $1', [customerId])).toEqual([]);
    expect(await bus.redis.exists(stream)).toBe(0);
  });

  it('publishes in commit order per stream, a batch at a time', async () => {
    const id = randomUUID();
    const events = Array.from({ length: 25 }, (_, i) => productUpdated(id, i + 1));
    for (const event of events) await store.withTransaction((tx) => outbox().add(tx, event));
    const r = relay({ batchSize: 10 });
    expect([await r.publishRound(), await r.publishRound(), await r.publishRound(), await r.publishRound()]).toEqual([
      10, 10, 5, 0,
    ]);
    expect((await streamEntries(bus.redis, stream)).map((e) => e.eventId)).toEqual(events.map((e) => e.id));
  });

  it('is woken right after a commit in this process, long before its poll', async () => {
    const r = relay({ pollMs: 600_000 });
    const running = r.run();
    await eventually(async () => (await relay().backlog()).unpublished === 0, 5_000, 'first round');
    const writer = new PostgresOutbox({ registry, namespace: bus.namespace, onCommit: () => r.wake() });
    const event = productUpdated(randomUUID(), 1);
    await store.withTransaction((tx) => writer.add(tx, event));
    await eventually(async () => (await streamEntries(bus.redis, stream)).length === 1, 10_000, 'the woken relay');
    await r.stop();
    await running;
  });

  it('reports in /readyz the backlog it has, and fails there once its oldest row is too old', async () => {
    await store.withTransaction((tx) => outbox().add(tx, productUpdated(randomUUID(), 1)));
    await expect(relay({ maxLagMs: 0 }).check()).rejects.toThrow(/^lagging: 1 unpublished, the oldest [\d.]+ s old$/);
    const waiting = relay({ confirmAfterMs: 5_000 });
    await waiting.publishRound();
    expect(await waiting.check()).toEqual({
      detail: { unpublished: 0, oldestSeconds: 0, unconfirmed: 1 },
    });
  });

  it('counts a failed publish as an attempt and backs the row off; a later round publishes it', async () => {
    const event = productUpdated(randomUUID(), 1);
    await store.withTransaction((tx) => outbox().add(tx, event));
    // A Redis nobody listens on: a real connection failure.
    const down = new Redis({
      port: 1,
      host: '127.0.0.1',
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    const metrics = eventMetrics(store.metrics);
    const failing = relay({ bus: new RedisStreamsBus(down), metrics, retry: { minMs: 60_000, maxMs: 60_000 } });
    expect(await failing.publishRound()).toBe(1);
    down.disconnect();
    const [row] = await outboxRows();
    expect(row).toMatchObject({ published_at: null, attempts: 1, last_error: expect.any(String) });
    expect(await counterValue(store.metrics.registry, 'events_publish_failures_total', { stream })).toBe(1);
    // Backed off: not due yet, so the next round leaves it.
    expect(await relay().publishRound()).toBe(0);
    await store.query(`UPDATE outbox SET next_attempt_at = now()`);
    expect(await relay().publishRound()).toBe(1);
    expect(await outboxRows()).toEqual([expect.objectContaining({ attempts: 2, last_error: null })]);
    expect((await streamEntries(bus.redis, stream)).map((e) => e.eventId)).toEqual([event.id]);
  });

  it('confirms a published row in its stream after the durability window, and purges confirmed rows after the retention', async () => {
    const event = productUpdated(randomUUID(), 1);
    await store.withTransaction((tx) => outbox().add(tx, event));
    const r = relay({ confirmAfterMs: 1, retentionMs: 1 });
    await r.publishRound();
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(await r.confirmRound()).toEqual({ checked: 1, confirmed: 1, lost: 0 });
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(await r.purge()).toBe(1);
    expect(await outboxRows()).toEqual([]);
  });

  it('publishes again a row the bus acknowledged and then lost', async () => {
    const event = productUpdated(randomUUID(), 1);
    await store.withTransaction((tx) => outbox().add(tx, event));
    const metrics = eventMetrics(store.metrics);
    const r = relay({ confirmAfterMs: 1, metrics });
    await r.publishRound();
    // What a Redis that died inside its fsync window does: the acknowledged entry is gone.
    await bus.redis.del(stream);
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(await r.confirmRound()).toEqual({ checked: 1, confirmed: 0, lost: 1 });
    expect(await counterValue(store.metrics.registry, 'events_republished_total', { stream })).toBe(1);
    expect(await r.publishRound()).toBe(1);
    expect((await streamEntries(bus.redis, stream)).map((e) => e.eventId)).toEqual([event.id]);
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(await r.confirmRound()).toEqual({ checked: 1, confirmed: 1, lost: 0 });
  });
});
