import { randomBytes, randomUUID } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import {
  EMIT_EVENT_LUA,
  emitEventArgs,
  EventConsumer,
  RedisStreamsBus,
  redisAclRules,
  REDIS_USERS,
  streamNamed,
  type EventEnvelope,
} from '@polystore/platform';
import { eventually, productUpdated, quietLogger, registry, throwawayRedis } from '../../../../test-support/events';

// The per-service Redis users derived from the stream declarations, loaded into a redis-server of
// this test's own (the same ACL file format scripts/lib/stores.sh writes), then used: each service
// can do what its role needs on the streams, and nothing more.

describe('per-service Redis users on the event streams', () => {
  const passwords = Object.fromEntries(REDIS_USERS.map((u) => [u, randomBytes(12).toString('hex')]));
  let server: Awaited<ReturnType<typeof throwawayRedis>>;
  const aclFile = path.join(tmpdir(), `polystore-acl-${randomUUID()}.acl`);
  const clients: Redis[] = [];
  const as = async (user: string) => {
    const client = new Redis(server.url, {
      username: user,
      password: passwords[user],
      lazyConnect: true,
      enableReadyCheck: false,
      maxRetriesPerRequest: 0,
    });
    await client.connect();
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    writeFileSync(
      aclFile,
      [
        'user default off',
        ...REDIS_USERS.map((u) => `user ${u} on >${passwords[u]} ${redisAclRules(u).join(' ')}`),
        '',
      ].join('\n'),
    );
    server = await throwawayRedis({ aclFile });
  });
  afterAll(async () => {
    for (const c of clients) c.disconnect();
    await server?.stop();
    rmSync(aclFile, { force: true });
  });

  const PRODUCT = streamNamed('catalog.product').key;
  const USER = streamNamed('accounts.user').key;

  it('lets a producer append to its own stream and nobody else', async () => {
    const [catalog, search, accounts] = [await as('catalog'), await as('search'), await as('accounts')];
    const event = productUpdated(randomUUID(), 1);
    expect(await new RedisStreamsBus(catalog).publish(PRODUCT, [event])).toEqual([{ position: expect.any(String) }]);
    await expect(search.call('XADD', PRODUCT, '*', 'id', 'forged')).rejects.toThrow(/NOPERM/);
    await expect(accounts.call('XADD', PRODUCT, '*', 'id', 'forged')).rejects.toThrow(/NOPERM/);
    await expect(search.call('DEL', PRODUCT)).rejects.toThrow(/NOPERM/);
    await expect(search.call('XTRIM', PRODUCT, 'MAXLEN', 0)).rejects.toThrow(/NOPERM/);
  });

  it("lets a consumer read, ack, claim and dead-letter on the streams it consumes, and not read others'", async () => {
    const [catalog, search] = [await as('catalog'), await as('search')];
    const good = productUpdated(randomUUID(), 2);
    const bad = { ...productUpdated(randomUUID(), 1), type: 'ProductVanished' };
    await new RedisStreamsBus(catalog).publish(PRODUCT, [bad as EventEnvelope, good]);
    const handled: string[] = [];
    const consumer = new EventConsumer({
      bus: new RedisStreamsBus(search),
      registry,
      logger: quietLogger,
      stream: PRODUCT,
      group: 'search',
      blockMs: 100,
      claimIdleMs: 200,
      handler: async (event) => void handled.push(event.id),
    });
    const running = consumer.run();
    await eventually(async () => handled.includes(good.id));
    const stats = await new RedisStreamsBus(search).stats(PRODUCT, 'search');
    expect(stats.groups[0]).toMatchObject({ group: 'search', pending: 0, lag: 0, deadLettered: 1 });
    await consumer.stop();
    await running;
    await expect(search.call('XRANGE', USER, '-', '+')).rejects.toThrow(/NOPERM/);
    await expect(search.call('XADD', `${PRODUCT}:dlq:cart`, '*', 'x', '1')).rejects.toThrow(/NOPERM/);
    await expect(search.call('SET', 'cat:product:1', 'x')).rejects.toThrow(/NOPERM/);
  });

  it('lets each consumer group of a stream work only under its own name for dead letters', async () => {
    const [orders, cart] = [await as('orders'), await as('cart')];
    await orders.call('XGROUP', 'CREATE', USER, 'orders', '0', 'MKSTREAM').catch(() => undefined);
    expect(await orders.call('XADD', `${USER}:dlq:orders`, '*', 'x', '1')).toEqual(expect.any(String));
    await expect(cart.call('XADD', `${USER}:dlq:orders`, '*', 'x', '1')).rejects.toThrow(/NOPERM/);
    await expect(orders.call('XADD', USER, '*', 'x', '1')).rejects.toThrow(/NOPERM/);
  });

  it('lets a Lua script write a change and its event in one step (the cart pattern), under its user', async () => {
    const catalog = await as('catalog');
    const id = randomUUID();
    const { changed: _changed, ...product } = productUpdated(id, 3).data as Record<string, unknown>;
    const event: EventEnvelope = {
      ...productUpdated(id, 3),
      type: 'ProductStockChanged',
      data: { ...product, previousStock: 5 },
    };
    const { key, args } = emitEventArgs(registry, event);
    const script = `${EMIT_EVENT_LUA}
      redis.call('SET', KEYS[1], ARGV[5])
      return emit_event(KEYS[2], ARGV[1], ARGV[2], ARGV[3], ARGV[4])`;
    const position = await catalog.call('EVAL', script, 2, `cat:t:stock:${id}`, key, ...args, '3');
    expect(await catalog.get(`cat:t:stock:${id}`)).toBe('3');
    const [entry] = (await catalog.call('XRANGE', key, String(position), String(position))) as [string, string[]][];
    const fields = entry![1];
    expect(JSON.parse(fields[fields.indexOf('event') + 1]!)).toEqual(event);
    expect(registry.validate(JSON.parse(fields[fields.indexOf('event') + 1]!))).toEqual([]);
  });
});
