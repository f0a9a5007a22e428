import { randomUUID } from 'node:crypto';
import { MongoClient, type Collection } from 'mongodb';
import {
  DocumentOutboxRelay,
  InvalidEventError,
  OUTBOX_FIELD,
  PENDING_FIELD,
  RedisStreamsBus,
  streamKey,
  streamNamed,
  withOutboxEvents,
  type OutboxCollection,
} from '@polystore/platform';
import { eventsRedis, productUpdated, quietLogger, registry, streamEntries } from '../../../../test-support/events';
import { requireVar, stackEnv, uniqueSuffix } from '../../../../test-support/stack-env';

// The document outbox against the stack's MongoDB endpoint (FerretDB 1.24 over PostgreSQL
// locally): a collection of this test's own database, events on the changed documents themselves.

interface ProductDoc {
  _id: string;
  name: string;
  version: number;
  [OUTBOX_FIELD]?: unknown[];
  [PENDING_FIELD]?: boolean;
}

describe('the document outbox (MongoDB / FerretDB)', () => {
  let client: MongoClient;
  let dbName: string;
  let products: Collection<ProductDoc>;
  let redis: Awaited<ReturnType<typeof eventsRedis>>;
  let stream: string;

  beforeAll(async () => {
    client = await new MongoClient(requireVar(stackEnv(), 'MONGO_URL')).connect();
    dbName = `events_t_${uniqueSuffix()}`;
    products = client.db(dbName).collection<ProductDoc>('products');
    redis = await eventsRedis();
    stream = streamKey(streamNamed('catalog.product'), redis.namespace);
  });
  afterAll(async () => {
    await client?.db(dbName).dropDatabase();
    await client?.close();
    await redis?.drop();
  });
  beforeEach(async () => {
    await products.deleteMany({});
    await redis.redis.del(stream);
  });

  const relay = (confirmAfterMs = 0) =>
    new DocumentOutboxRelay({
      collection: products as unknown as OutboxCollection,
      bus: new RedisStreamsBus(redis.redis),
      logger: quietLogger,
      namespace: redis.namespace,
      confirmAfterMs,
    });

  /** What the catalog's repository will do: the change, its version and its event in ONE update. */
  async function rename(id: string, name: string) {
    const doc = (await products.findOne({ _id: id }))!;
    const event = productUpdated(id, doc.version + 1, { name });
    await products.updateOne(
      { _id: id },
      withOutboxEvents(registry, { $set: { name }, $inc: { version: 1 } }, [event]),
    );
    return event;
  }

  const pending = () => products.countDocuments({ [PENDING_FIELD]: true });
  const published = async () => (await streamEntries(redis.redis, stream)).map((e) => e.eventId);

  it('publishes the events single-document updates wrote, in order per document, then takes them off', async () => {
    const ids = Array.from({ length: 10 }, () => randomUUID());
    await products.insertMany(ids.map((_id) => ({ _id, name: 'lamp', version: 1 })));
    const events = [];
    for (const id of ids) events.push(await rename(id, 'desk lamp'), await rename(id, 'reading lamp'));
    expect(await pending()).toBe(10);

    expect(await relay().relayRound()).toEqual({ published: 20, removed: 20, lost: 0 });
    // In order per document (per aggregate); documents come in the store's order.
    const order = await published();
    expect([...order].sort()).toEqual(events.map((e) => e.id).sort());
    for (let i = 0; i < events.length; i += 2) {
      expect(order.indexOf(events[i]!.id)).toBeLessThan(order.indexOf(events[i + 1]!.id));
    }
    expect(await pending()).toBe(0);
    const doc = await products.findOne({ _id: ids[0]! });
    expect(doc).toMatchObject({ name: 'reading lamp', version: 3, [OUTBOX_FIELD]: [], [PENDING_FIELD]: false });
  });

  it('writes nothing when an event is invalid: the update is never sent', async () => {
    const id = randomUUID();
    await products.insertOne({ _id: id, name: 'lamp', version: 1 });
    const invalid = productUpdated(id, 2);
    (invalid.data as { status: string }).status = 'GONE';
    expect(() => withOutboxEvents(registry, { $set: { name: 'x' } }, [invalid])).toThrow(InvalidEventError);
    expect(await products.findOne({ _id: id })).toEqual({ _id: id, name: 'lamp', version: 1 });
  });

  it('keeps events on their document until the stream has held them for the durability window', async () => {
    const id = randomUUID();
    await products.insertOne({ _id: id, name: 'lamp', version: 1 });
    const event = await rename(id, 'lantern');
    const r = relay(200);
    expect(await r.relayRound()).toEqual({ published: 1, removed: 0, lost: 0 });
    expect(await r.relayRound()).toEqual({ published: 0, removed: 0, lost: 0 });
    expect(await pending()).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect(await r.relayRound()).toEqual({ published: 0, removed: 1, lost: 0 });
    expect(await pending()).toBe(0);
    expect(await published()).toEqual([event.id]);
  });

  it('publishes again an event the bus lost before the window ended', async () => {
    const id = randomUUID();
    await products.insertOne({ _id: id, name: 'lamp', version: 1 });
    const event = await rename(id, 'lantern');
    const r = relay(100);
    await r.relayRound();
    await redis.redis.del(stream);
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(await r.relayRound()).toEqual({ published: 0, removed: 0, lost: 1 });
    expect(await r.relayRound()).toEqual({ published: 1, removed: 0, lost: 0 });
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(await r.relayRound()).toEqual({ published: 0, removed: 1, lost: 0 });
    expect(await published()).toEqual([event.id]);
    expect(await pending()).toBe(0);
  });

  it('leaves the flag set for an event written while the relay worked, and publishes it next', async () => {
    const id = randomUUID();
    await products.insertOne({ _id: id, name: 'lamp', version: 1 });
    const first = await rename(id, 'lantern');
    const r = relay(100);
    await r.relayRound();
    const second = await rename(id, 'storm lantern'); // lands between the publish and the removal
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(await r.relayRound()).toEqual({ published: 1, removed: 1, lost: 0 });
    expect(await pending()).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(await r.relayRound()).toEqual({ published: 0, removed: 1, lost: 0 });
    expect(await pending()).toBe(0);
    expect(await published()).toEqual([first.id, second.id]);
  });

  it('publishes again, after a relay crash, what it had published but not yet taken off (a duplicate, never a loss)', async () => {
    const id = randomUUID();
    await products.insertOne({ _id: id, name: 'lamp', version: 1 });
    const event = await rename(id, 'lantern');
    await relay(60_000).relayRound(); // published; the relay dies before its window ends
    expect(await relay(0).relayRound()).toEqual({ published: 1, removed: 1, lost: 0 });
    expect(await published()).toEqual([event.id, event.id]);
    expect(await pending()).toBe(0);
  });
});
