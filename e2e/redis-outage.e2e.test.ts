import type { Redis } from 'ioredis';
import { counterValue, histogramTotals, type ServiceMetrics } from '@polystore/platform';
import { codes, type GraphQLResponse } from '../test-support/graphql';
import { stackEnv, requireVar } from '../test-support/stack-env';
import { Browser } from './support/browser';
import { within } from './support/outage';
import { startPolystore, type RunningPolystore } from './support/polystore';
import { seedStorefront, type Storefront } from './support/storefront';
import { tcpProxy, type TcpProxy } from './support/tcp-proxy';

// Redis taken away from every service at once (gateway, accounts, catalog, cart), through a proxy
// the test cuts: the storefront keeps answering HTTP 200 with what docs/adr/0008 and
// docs/redis-clients.md promise, nothing waits on Redis, rate limits still hold, and once the
// proxy lets connections through again every service uses Redis again. Everything is counted from
// the services' own metrics, never timed.

const POINTS = 20;
let proxy: TcpProxy;
let polystore: RunningPolystore;
let store: Storefront;
let returning: { browser: Browser; userId: string };
/** Every status the gateway answered while Redis was cut. */
const statusesWhileCut: number[] = [];

const PRODUCT_PAGE = 'query($id: ID!) { product(id: $id) { id name price { amount currency } } }';
const email = 'returning@example.com';
const password = 'a long enough secret';

const metric = (metrics: ServiceMetrics, name: string, labels: Record<string, string> = {}) =>
  counterValue(metrics.registry, name, labels);
/** The Redis clients of the four services, as the test reaches them. */
const clients = (): Redis[] => [
  polystore.gateway.frontDoor.redis!,
  polystore.accounts.redis,
  polystore.catalog.redis!,
  polystore.cart.redis,
];
const services = () => ({
  gateway: polystore.gateway.metrics,
  accounts: polystore.accounts.metrics,
  catalog: polystore.catalog.metrics,
  cart: polystore.cart.metrics,
});

async function whileCut<T extends GraphQLResponse<unknown>>(response: Promise<T>): Promise<T> {
  const answered = await response;
  statusesWhileCut.push(answered.status);
  return answered;
}

beforeAll(async () => {
  const redis = new URL(requireVar(stackEnv(), 'GATEWAY_REDIS_URL'));
  proxy = await tcpProxy({ host: redis.hostname, port: Number(redis.port || 6379) });
  polystore = await startPolystore({
    redis: (url) => proxy.via(url),
    gateway: { RATE_LIMIT_POINTS: String(POINTS), RATE_LIMIT_WINDOW_SECONDS: '60' },
    // every product read goes to the Redis level of the cache (no process level to hide it)
    catalog: { PRODUCT_CACHE_L1_SECONDS: '0' },
  });
  store = await seedStorefront(polystore, 2);
  const browser = new Browser(polystore.url);
  const signUp = await browser.gql('mutation($i: SignUpInput!) { signUp(input: $i) { id } }', {
    i: { email, name: 'Rita Returning', password },
  });
  await browser.gql('mutation($i: SignInInput!) { signIn(input: $i) { user { id } } }', { i: { email, password } });
  returning = { browser, userId: signUp.data!['signUp'].id };
  // the product is in the cache's Redis level before Redis goes away
  await new Browser(polystore.url).gql(PRODUCT_PAGE, { id: store.productIds[0] });
  expect(clients().every((c) => c.status === 'ready')).toBe(true);
});

afterAll(async () => {
  proxy?.restore();
  await polystore?.stop();
  await proxy?.close();
});

describe('while every service’s Redis is cut', () => {
  const before: Record<string, number> = {};

  beforeAll(async () => {
    for (const [name, metrics] of Object.entries(services())) {
      before[`${name}:timeouts`] = await metric(metrics, 'store_command_errors_total', { reason: 'timeout' });
    }
    before['subgraphTimeouts'] = (
      await histogramTotals(polystore.gateway.metrics.registry, 'subgraph_fetch_duration_seconds', {
        outcome: 'timeout',
      })
    ).count;
    proxy.cut();
    // each client has seen its connection go (in-flight commands would otherwise wait out their timeout)
    await within(5_000, async () => clients().every((c) => c.status !== 'ready'));
  });

  it('answers a signed-in request as its user (the token accepted unchecked, counted); the cart SERVICE_UNAVAILABLE', async () => {
    const gateway = polystore.gateway.metrics;
    const unchecked = await metric(gateway, 'gateway_sessions_total', { outcome: 'token_unchecked' });
    const unread = await metric(gateway, 'store_fallbacks_total', { use: 'revocations_read' });

    const me = await whileCut(store.shopper.gql('{ me { id name } }'));
    expect(me.status).toBe(200);
    expect(me.errors).toBeUndefined();
    expect(me.data).toEqual({ me: { id: store.userId, name: 'Olive Outage' } });
    expect((await metric(gateway, 'gateway_sessions_total', { outcome: 'token_unchecked' })) - unchecked).toBe(1);
    expect((await metric(gateway, 'store_fallbacks_total', { use: 'revocations_read' })) - unread).toBe(1);

    // the cart's Redis is its database: a coded answer, at once
    const offline = await metric(polystore.cart.metrics, 'store_command_errors_total', { reason: 'offline' });
    const cart = await whileCut(store.shopper.gql('{ cart { totalQuantity } }'));
    expect(cart.status).toBe(200);
    expect(codes(cart)).toEqual(['SERVICE_UNAVAILABLE']);
    expect(cart.errors![0]!.path).toEqual(['cart']);
    expect(await metric(polystore.cart.metrics, 'store_command_errors_total', { reason: 'offline' })).toBe(offline + 1);
  });

  it('reads an anonymous product page from MongoDB, the cache skipped at once', async () => {
    const catalog = polystore.catalog.metrics;
    const skipped = await metric(catalog, 'store_fallbacks_total', { use: 'product_cache' });
    const finds = await metric(catalog, 'store_commands_total', { store: 'mongodb', operation: 'find' });
    const l2 = await metric(catalog, 'catalog_product_cache_lookups_total', { level: 'l2' });

    const page = await whileCut(new Browser(polystore.url).gql(PRODUCT_PAGE, { id: store.productIds[0] }));
    expect(page.status).toBe(200);
    expect(page.errors).toBeUndefined();
    expect(page.data!['product']).toEqual({
      id: store.productIds[0],
      name: 'Lamp 0',
      price: { amount: 1000, currency: 'EUR' },
    });
    // the lookup failed (no connection: no offline queue to wait in), the store answered, and the
    // write-back was dropped: two skips, one find, no lookup that reached Redis
    expect((await metric(catalog, 'store_fallbacks_total', { use: 'product_cache' })) - skipped).toBe(2);
    expect((await metric(catalog, 'store_commands_total', { store: 'mongodb', operation: 'find' })) - finds).toBe(1);
    expect(await metric(catalog, 'catalog_product_cache_lookups_total', { level: 'l2' })).toBe(l2);
  });

  it('refreshes no session (anonymous, cookies kept) and signs nobody in (SERVICE_UNAVAILABLE)', async () => {
    const gateway = polystore.gateway.metrics;
    const deferred = await metric(gateway, 'gateway_sessions_total', { outcome: 'refresh_deferred' });
    const sessionReads = () =>
      metric(polystore.accounts.metrics, 'store_commands_total', { store: 'redis', operation: 'HGETALL' });
    const refreshCalls = await sessionReads();
    // as when its access token has expired: only the session cookie (id and refresh secret) is left
    returning.browser.cookies.delete('ps_access');
    const sessionCookie = returning.browser.cookies.get('ps_session');

    const anonymous = await whileCut(returning.browser.gql('{ me { id } }'));
    expect(anonymous.status).toBe(200);
    expect(anonymous.data).toEqual({ me: null });
    expect(returning.browser.lastSetCookie).toEqual([]);
    expect(returning.browser.cookies.get('ps_session')).toBe(sessionCookie);
    expect((await metric(gateway, 'gateway_sessions_total', { outcome: 'refresh_deferred' })) - deferred).toBe(1);
    // accounts was not asked to refresh
    expect(await sessionReads()).toBe(refreshCalls);

    const signIn = await whileCut(
      new Browser(polystore.url).gql('mutation($i: SignInInput!) { signIn(input: $i) { user { id } } }', {
        i: { email, password },
      }),
    );
    expect(signIn.status).toBe(200);
    expect(codes(signIn)).toEqual(['SERVICE_UNAVAILABLE']);
  });

  it('still limits the rate, in this process, counting each request it counted instead of Redis', async () => {
    const gateway = polystore.gateway.metrics;
    const counted = await metric(gateway, 'store_fallbacks_total', { use: 'rate_limit' });
    const statuses: number[] = [];
    // the shopper's session spent one request of the in-process budget above, the cart another
    for (let i = 0; i < POINTS; i++) statuses.push((await whileCut(store.shopper.gql('{ me { id } }'))).status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(POINTS - 2);
    expect(statuses.slice(POINTS - 2)).toEqual([429, 429]);
    expect((await metric(gateway, 'store_fallbacks_total', { use: 'rate_limit' })) - counted).toBe(POINTS);
  });

  it('waited on Redis nowhere: no command timed out, no subgraph fetch reached its deadline, no 5xx', async () => {
    for (const [name, metrics] of Object.entries(services())) {
      expect({ name, timeouts: await metric(metrics, 'store_command_errors_total', { reason: 'timeout' }) }).toEqual({
        name,
        timeouts: before[`${name}:timeouts`],
      });
    }
    const timeouts = await histogramTotals(polystore.gateway.metrics.registry, 'subgraph_fetch_duration_seconds', {
      outcome: 'timeout',
    });
    expect(timeouts.count).toBe(before['subgraphTimeouts']);
    expect(statusesWhileCut.length).toBeGreaterThan(POINTS);
    expect(statusesWhileCut.filter((s) => s >= 500)).toEqual([]);
  });
});

describe('once Redis is back', () => {
  beforeAll(async () => {
    proxy.restore();
    await within(10_000, async () => clients().every((c) => c.status === 'ready'));
  });

  it('every service uses Redis again: commands answered, no fallback taken', async () => {
    const snapshot = async () =>
      Object.fromEntries(
        await Promise.all(
          Object.entries(services()).map(
            async ([name, metrics]) =>
              [
                name,
                {
                  commands: await metric(metrics, 'store_commands_total', { store: 'redis' }),
                  errors: await metric(metrics, 'store_command_errors_total', { store: 'redis' }),
                  fallbacks: await metric(metrics, 'store_fallbacks_total', { store: 'redis' }),
                },
              ] as const,
          ),
        ),
      );
    const start = await snapshot();
    const gateway = polystore.gateway.metrics;
    const checked = await metric(gateway, 'gateway_sessions_total', { outcome: 'token' });
    const refreshed = await metric(gateway, 'gateway_sessions_total', { outcome: 'refreshed' });
    const l2 = await metric(polystore.catalog.metrics, 'catalog_product_cache_lookups_total', { level: 'l2' });

    const me = await returning.browser.gql('{ me { id } }');
    expect(me.data).toEqual({ me: { id: returning.userId } }); // refreshed by accounts, from its Redis
    // spent in this process's budget while Redis was away, counted in Redis again now
    expect((await store.shopper.gql('{ me { id } }')).status).toBe(200);
    const cart = await returning.browser.gql('{ cart { totalQuantity } }');
    expect(cart.data).toEqual({ cart: { totalQuantity: 0 } });
    const page = await new Browser(polystore.url).gql(PRODUCT_PAGE, { id: store.productIds[1] });
    expect(page.data!['product']).toMatchObject({ id: store.productIds[1] });

    const end = await snapshot();
    for (const name of Object.keys(start)) {
      expect({ name, errors: end[name]!.errors, fallbacks: end[name]!.fallbacks }).toEqual({
        name,
        errors: start[name]!.errors,
        fallbacks: start[name]!.fallbacks,
      });
      expect({ name, used: end[name]!.commands > start[name]!.commands }).toEqual({ name, used: true });
    }
    expect((await metric(gateway, 'gateway_sessions_total', { outcome: 'refreshed' })) - refreshed).toBe(1);
    expect((await metric(gateway, 'gateway_sessions_total', { outcome: 'token' })) - checked).toBeGreaterThan(0);
    expect(await metric(polystore.catalog.metrics, 'catalog_product_cache_lookups_total', { level: 'l2' })).toBe(
      l2 + 1,
    );
  });
});
