import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import { Redis } from 'ioredis';
import { createMetrics, createRedis } from '@polystore/platform';
import { SessionRepository, type SessionRecord } from '../../subgraphs/accounts/src/session/session.repository';
import { SignInThrottle } from '../../subgraphs/accounts/src/session/sign-in-throttle';
import { CartRepository } from '../../subgraphs/cart/src/cart/cart.repository';
import { createTestKeySpace, type TestKeySpace } from '../../test-support/redis';
import { ownStack } from '../../test-support/stack-control';
import { requireVar, stackEnv } from '../../test-support/stack-env';

// The stack's real Redis, stopped and started again the way an operator or a crash does: every
// write Redis acknowledged is still there afterwards — the services' transactional writes (the
// cart's Lua script, the sessions' MULTI/EXEC, rate-limiter-flexible's script) as well as plain
// ones (stream entries). AOF with fsync every second: a clean stop loses nothing; a kill -9 loses at
// most what Redis had not yet written (docs: m2m/README.md), so the kill comes more than a second
// after the last acknowledged write. Each write goes through the product's own repository code,
// as the service's own ACL user, under this file's key prefixes.
// It stops the stack's Redis, so it runs only in scripts/test's failure phase, alone
// (POLYSTORE_CHAOS_TEST=1), never beside other tests.
const ENABLED = process.env['POLYSTORE_CHAOS_TEST'] === '1';
jest.setTimeout(120_000);

const PER_KIND = 25;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Written {
  carts: Map<string, { productId: string; quantity: number }>;
  sessions: Map<string, SessionRecord>;
  /** failed sign-in attempts counted per email */
  attempts: Map<string, number>;
  /** stream entry ids, in order */
  entries: string[];
}

/** Send inline commands one at a time on one connection; resolves with each reply's first line. */
function talk(host: string, port: number, commands: string[]): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, host);
    const replies: string[] = [];
    let buffer = '';
    socket.on('error', reject);
    socket.on('connect', () => socket.write(`${commands[0]}\r\n`));
    socket.on('data', (chunk) => {
      buffer += chunk.toString('utf8');
      while (buffer.includes('\r\n')) {
        replies.push(buffer.slice(0, buffer.indexOf('\r\n')));
        buffer = buffer.slice(buffer.indexOf('\r\n') + 2);
        if (replies.length === commands.length) {
          socket.end();
          return resolve(replies);
        }
        socket.write(`${commands[replies.length]}\r\n`);
      }
    });
  });
}

(ENABLED ? describe : describe.skip)('Redis restarted', () => {
  const metrics = createMetrics('redis-durability-test');
  let cartSpace: TestKeySpace;
  let accountsSpace: TestKeySpace;
  let eventsSpace: TestKeySpace;
  let clients: Redis[];
  let carts: CartRepository;
  let sessions: SessionRepository;
  let throttle: SignInThrottle;
  let events: Redis;
  let logOffset: number;
  const written: Written = { carts: new Map(), sessions: new Map(), attempts: new Map(), entries: [] };

  beforeAll(async () => {
    await ownStack.pid('redis'); // this checkout's own Redis, or the test stops here
    logOffset = ownStack.logSize('redis');
    [cartSpace, accountsSpace, eventsSpace] = await Promise.all([
      createTestKeySpace('cart', 'CART_REDIS_URL'),
      createTestKeySpace('acc', 'ACCOUNTS_REDIS_URL'),
      createTestKeySpace('events', 'EVENTS_REDIS_URL'),
    ]);
    // Clients as the services make them (platform's createRedis), kept across the restarts as a
    // running service keeps them.
    const cartRedis = createRedis(cartSpace.url, metrics);
    const accountsRedis = createRedis(accountsSpace.url, metrics, { keyPrefix: accountsSpace.prefix });
    events = createRedis(eventsSpace.url, metrics);
    clients = [cartRedis, accountsRedis, events];
    await Promise.all(clients.map((c) => c.connect()));
    carts = new CartRepository(cartRedis, { maxItems: 100, maxQuantity: 99 });
    sessions = new SessionRepository(accountsRedis);
    throttle = new SignInThrottle(accountsRedis, { maxPerEmail: 50, maxPerAddress: 500, windowSeconds: 3600 });
  });

  afterAll(async () => {
    for (const c of clients ?? []) c.disconnect();
    await Promise.all([cartSpace?.drop(), accountsSpace?.drop(), eventsSpace?.drop()]);
  });

  /** One batch of each kind of write, each awaited: what is recorded here was acknowledged. */
  async function writeBatch(tag: string): Promise<void> {
    const now = Date.now();
    for (let i = 0; i < PER_KIND; i++) {
      const key = `${cartSpace.prefix}u:${tag}-${i}`;
      const productId = randomUUID();
      const result = await carts.apply(
        { key, ttlSeconds: 3600 },
        { op: 'add', productId, quantity: 1 + (i % 5) },
        new Date(now),
      );
      expect(result.ok).toBe(true);
      written.carts.set(key, { productId, quantity: 1 + (i % 5) });

      const session: SessionRecord = {
        id: randomUUID(),
        userId: randomUUID(),
        secretHash: `hash-${tag}-${i}`,
        createdAt: now,
        expiresAt: now + 3600_000,
      };
      await sessions.create(session, 3600_000, 3600_000);
      written.sessions.set(session.id, session);

      const email = `${tag}-${i}@example.com`;
      for (let n = 0; n < 1 + (i % 3); n++) await throttle.attempt(email, undefined);
      written.attempts.set(email, 1 + (i % 3));

      written.entries.push(
        (await events.xadd(`${eventsSpace.prefix}stream`, '*', 'tag', tag, 'n', String(i))) as string,
      );
    }
  }

  /** Read back everything acknowledged so far, through the same code. */
  async function readBack(): Promise<{ missing: string[] }> {
    const missing: string[] = [];
    for (const [key, line] of written.carts) {
      const result = await carts.apply({ key, ttlSeconds: 3600 }, { op: 'get' }, new Date());
      const items = result.ok ? result.cart.items.map((i) => ({ productId: i.productId, quantity: i.quantity })) : [];
      if (JSON.stringify(items) !== JSON.stringify([line])) missing.push(`cart ${key}`);
    }
    for (const [id, session] of written.sessions) {
      const found = await sessions.find(id);
      if (found?.userId !== session.userId || found.secretHash !== session.secretHash) missing.push(`session ${id}`);
    }
    for (const [email, count] of written.attempts) {
      const stored = await clients[1]!.get(`rl:signin:email:${email}`);
      if (Number(stored) !== count) missing.push(`attempts ${email}: ${stored} of ${count}`);
    }
    const entries = (await events.xrange(`${eventsSpace.prefix}stream`, '-', '+')).map(([id]) => id);
    for (const id of written.entries) if (!entries.includes(id)) missing.push(`stream entry ${id}`);
    return { missing };
  }

  async function serving(): Promise<void> {
    for (let i = 0; i < 100; i++) {
      if ((await Promise.all(clients.map((c) => c.ping().catch(() => 'down')))).every((r) => r === 'PONG')) return;
      await sleep(100);
    }
    throw new Error('the clients did not reconnect within 10 s');
  }

  it('keeps every acknowledged write across a clean stop (SHUTDOWN) and start', async () => {
    await writeBatch('clean');
    expect((await readBack()).missing).toEqual([]);
    const admin = new Redis(requireVar(stackEnv(), 'REDIS_URL'), { lazyConnect: true, maxRetriesPerRequest: 0 });
    await admin.connect();
    await admin.shutdown().catch(() => undefined); // the connection closes with the server
    admin.disconnect();
    await ownStack.waitClosed('redis');
    await ownStack.up();
    await serving();
    expect((await readBack()).missing).toEqual([]);
  });

  it('keeps every write acknowledged more than a second before a kill -9', async () => {
    await writeBatch('killed');
    await sleep(1_500); // past the declared window (appendfsync everysec)
    await ownStack.kill('redis');
    await ownStack.up();
    await serving();
    // both batches: the first has now been through two restarts
    expect(written.sessions.size).toBe(2 * PER_KIND);
    expect((await readBack()).missing).toEqual([]);
  });

  it('replays its append-only file without refusing a transaction (no NOPERM in its log)', () => {
    const log = ownStack.logSince('redis', logOffset);
    expect(log).toMatch(/DB loaded from append only file|Ready to accept connections/);
    expect(log.split('\n').filter((line) => line.includes('NOPERM'))).toEqual([]);
  });

  it('still lets nobody in as the default user', async () => {
    // A bare connection, as a client without credentials would open it (RESP2, no HELLO).
    const url = new URL(requireVar(stackEnv(), 'REDIS_URL'));
    const replies = await talk(url.hostname, Number(url.port), ['GET cart:anything', 'AUTH default guess']);
    expect(replies[0]).toMatch(/^-NOAUTH/);
    expect(replies[1]).toMatch(/^-WRONGPASS/);
  });
});
