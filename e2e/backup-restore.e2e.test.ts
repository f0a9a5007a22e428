import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AppError } from '@polystore/platform';
import { startElasticsearchNode, type ElasticsearchNode } from '../test-support/elasticsearch-node';
import { dropDatabase, withDatabase } from '../test-support/postgres';
import { createTestKeySpace, type TestKeySpace } from '../test-support/redis';
import { requireVar, stackEnv } from '../test-support/stack-env';
import {
  databaseFingerprint,
  keysFingerprint,
  mongoFingerprint,
  searchFingerprint,
  type KeyFingerprint,
} from '../test-support/store-fingerprint';
import { backupCommand } from '../tools/src/backup/cli';
import { readManifest } from '../tools/src/backup/manifest';
import type { ProgressFactory } from '../tools/src/backup/part';
import { partsFromEnv, SERVICES } from '../tools/src/backup/plan';
import { backup, restore } from '../tools/src/backup/run';
import { SAMPLE_PASSWORD, type Sample } from '../tools/src/sample-data';
import { Browser } from './support/browser';
import { createPolystoreStores, startPolystore, type PolystoreStores } from './support/polystore';
import { sendPersisted } from './support/operations';
import { loadSampleStore } from './support/sample-store';

// Backup → wipe every store → restore, on a service's fresh databases filled with the sample store:
// PostgreSQL (accounts, orders, payments), the catalog's Mongo database, the Redis key spaces
// (sessions, rate limits, carts, an event stream with a consumer group), and the search alias on an
// Elasticsearch node of this test's own (the stack's has no `path.repo`, which snapshots need). What
// the stores hold is read independently of the backup tool (test-support/store-fingerprint.ts).

const env = stackEnv();

let dir: string;
let es: ElasticsearchNode;
let stores: PolystoreStores;
let events: TestKeySpace;
let sample: Sample;
let shopper: Browser;
let customerOrderId: string;
let toolEnv: NodeJS.ProcessEnv;
let answersBefore: Record<string, unknown>;
let before: Awaited<ReturnType<typeof fingerprint>>;
let folder: string;

/** The stores of this test, as the backup tool finds its targets: from the environment. */
function targetsEnv(): NodeJS.ProcessEnv {
  return {
    POSTGRES_ADMIN_URL: requireVar(env, 'POSTGRES_ADMIN_URL'),
    ACCOUNTS_DATABASE_URL: stores.accountsDb.appUrl,
    ACCOUNTS_MIGRATE_DATABASE_URL: stores.accountsDb.ownerUrl,
    ORDERS_DATABASE_URL: stores.ordersDb.appUrl,
    ORDERS_MIGRATE_DATABASE_URL: stores.ordersDb.ownerUrl,
    PAYMENTS_DATABASE_URL: stores.paymentsDb.appUrl,
    PAYMENTS_MIGRATE_DATABASE_URL: stores.paymentsDb.ownerUrl,
    MONGO_URL: stores.catalogDb.url,
    CATALOG_DB_NAME: stores.catalogDb.dbName,
    REDIS_URL: requireVar(env, 'REDIS_URL'),
    GATEWAY_REDIS_PREFIX: stores.keySpaces.gateway.prefix,
    ACCOUNTS_REDIS_PREFIX: stores.keySpaces.accounts.prefix,
    CART_KEY_PREFIX: stores.cartKeys.prefix,
    EVENTS_KEY_PREFIX: events.prefix,
    ELASTICSEARCH_URL: es.url,
    SEARCH_INDEX_ALIAS: stores.searchIndex.alias,
    BACKUP_DIR: dir,
  };
}

const keySpaces = () => ({
  gateway: stores.keySpaces.gateway,
  accounts: stores.keySpaces.accounts,
  cart: stores.cartKeys,
  events,
});

/** Everything every store of the test holds. */
async function fingerprint() {
  const admin = requireVar(env, 'POSTGRES_ADMIN_URL');
  const databases = { accounts: stores.accountsDb, orders: stores.ordersDb, payments: stores.paymentsDb };
  const postgres: Record<string, Awaited<ReturnType<typeof databaseFingerprint>> | null> = {};
  for (const [service, db] of Object.entries(databases)) {
    postgres[service] = await databaseFingerprint(withDatabase(admin, db.name)).catch((error: { code?: string }) => {
      if (error.code === '3D000') return null; // dropped
      throw error;
    });
  }
  const redis: Record<string, Record<string, KeyFingerprint>> = {};
  for (const [name, space] of Object.entries(keySpaces()))
    redis[name] = await keysFingerprint(space.redis, space.prefix);
  return {
    postgres,
    mongo: await mongoFingerprint(stores.catalogDb.url, stores.catalogDb.dbName),
    redis,
    search: await searchFingerprint(es.url, stores.searchIndex.alias),
  };
}

/** Keys Redis will have expired by `at` are not expected back (a restore sets each key's expiry time as it was). */
function withoutExpiredBy<T extends Awaited<ReturnType<typeof fingerprint>>>(print: T, at: number): T {
  const redis = Object.fromEntries(
    Object.entries(print.redis).map(([space, keys]) => [
      space,
      Object.fromEntries(Object.entries(keys).filter(([, k]) => k.expiresAt === -1 || k.expiresAt > at)),
    ]),
  );
  return { ...print, redis };
}

/** Send a safelisted storefront operation by its hash to the gateway at `url`, expecting no error. */
async function run(browser: Browser, url: string, name: string, variables: Record<string, unknown> = {}) {
  const result = await sendPersisted(browser.at(url), name, variables);
  if (result.status !== 200 || result.errors)
    throw new Error(`${name}: ${result.status} ${JSON.stringify(result.errors)}`);
  return result.data as Record<string, unknown>;
}

/** The storefront's answers on the sample store: browsing, search, the shopper's account, order and cart. */
async function storefrontAnswers(url: string): Promise<Record<string, unknown>> {
  const anyone = new Browser(url);
  const product = sample.products.find((p) => p.status === 'ACTIVE')!;
  const term = product.name.split(' ').at(-1)!;
  const cart = (await run(shopper, url, 'Cart'))['cart'] as Record<string, unknown>;
  return {
    home: await run(anyone, url, 'HomePage', { first: 8 }),
    listing: await run(anyone, url, 'ProductListing', { first: 10, sort: 'NAME_ASC' }),
    categories: await run(anyone, url, 'Categories'),
    product: await run(anyone, url, 'ProductPage', { id: product.id }),
    search: await run(anyone, url, 'SearchProducts', { query: term, first: 10 }),
    category: await run(anyone, url, 'CategoryPage', { filter: { categories: [product.category] }, first: 10 }),
    account: await run(shopper, url, 'AccountPage', { first: 10 }),
    order: await run(shopper, url, 'OrderDetail', { id: customerOrderId }),
    // a cart's expiresAt is "now + its inactivity TTL" each time it is read: everything else is compared
    cart: { ...cart, expiresAt: cart['expiresAt'] === null ? null : 'set' },
  };
}

/** Progress as the tool reports it: every step's label, total and ticks. */
function progressRecorder() {
  const steps: { label: string; total: number; ticked: number; finished: boolean }[] = [];
  const factory: ProgressFactory = (label, total) => {
    const step = { label, total, ticked: 0, finished: false };
    steps.push(step);
    return {
      tick: (n = 1) => void (step.ticked += n),
      finish: () => void (step.finished = true),
    };
  };
  return { steps, factory };
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'polystore-backups-'));
  // the node's data beside the backups, which it may write snapshots into
  es = await startElasticsearchNode(path.join(dir, 'es-node'), { 'path.repo': dir });
  stores = await createPolystoreStores({ elasticsearchUrl: es.url });
  events = await createTestKeySpace('events', 'EVENTS_REDIS_URL');
  toolEnv = targetsEnv();

  // catalog's Redis cache off: every catalog answer comes from its database
  const polystore = await startPolystore({ stores, catalog: { CATALOG_REDIS_URL: undefined } });
  try {
    sample = await loadSampleStore(polystore, { products: 80, users: 16 });
    const customer = sample.users.find((u) => sample.orders.some((o) => o.customerId === u.id))!;
    customerOrderId = sample.orders.find((o) => o.customerId === customer.id)!.id;
    shopper = new Browser(polystore.url);
    // a session (acc:*), request budgets (gw:*) and a cart (cart:*), all with TTLs
    await run(shopper, polystore.url, 'SignIn', { input: { email: customer.email, password: SAMPLE_PASSWORD } });
    await run(shopper, polystore.url, 'AddToCart', {
      productId: sample.products.find((p) => p.status === 'ACTIVE')!.id,
    });
    // an event stream with a consumer group, one entry delivered and pending, and a key without TTL
    const stream = `${events.prefix}{catalog}:product`;
    for (let i = 0; i < 5; i++) await events.redis.xadd(stream, '*', 'type', 'ProductUpdated', 'n', String(i));
    await events.redis.xgroup('CREATE', stream, 'search', '0');
    await events.redis.xreadgroup('GROUP', 'search', 'search-1', 'COUNT', 2, 'STREAMS', stream, '>');
    await events.redis.set(`${events.prefix}marker`, 'kept without a TTL');
    answersBefore = await storefrontAnswers(polystore.url);
  } finally {
    await polystore.stop();
  }
  before = await fingerprint();
}, 600_000);

afterAll(async () => {
  await stores?.drop();
  await events?.drop();
  await es?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('backup and restore of every store', () => {
  it('backs up every part with counts and checksums, showing progress', async () => {
    const progress = progressRecorder();
    const result = await backup({ dir, keep: 7, parts: partsFromEnv(SERVICES, toolEnv), progress: progress.factory });
    folder = result.folder;
    expect(path.basename(folder)).toMatch(/^\d{8}T\d{6}Z$/);

    const manifest = readManifest(folder);
    expect(manifest.parts.map((p) => p.id)).toEqual([
      'postgres/accounts',
      'postgres/orders',
      'postgres/payments',
      'mongo/catalog',
      'redis/gateway',
      'redis/accounts',
      'redis/cart',
      'redis/events',
      'elasticsearch/search',
    ]);
    const count = (id: string, kind: string, name?: string) =>
      manifest.parts.find((p) => p.id === id)!.objects.find((o) => o.kind === kind && (!name || o.name === name))
        ?.count;
    expect(count('postgres/accounts', 'table', 'users')).toBe(before.postgres['accounts']!.tables['users']!.rows);
    expect(count('postgres/orders', 'table', 'order_lines')).toBe(
      before.postgres['orders']!.tables['order_lines']!.rows,
    );
    expect(count('mongo/catalog', 'collection', 'products')).toBe(sample.products.length);
    expect(count('redis/cart', 'key space', 'cart')).toBe(Object.keys(before.redis['cart']!).length);
    expect(count('redis/events', 'stream', '{catalog}:product')).toBe(5);
    expect(count('elasticsearch/search', 'search index')).toBe(
      sample.products.filter((p) => p.status === 'ACTIVE').length,
    );

    // the long steps reported their progress: every row's table, document and key was ticked
    expect(step(progress, 'mongo/catalog: products')).toMatchObject({
      total: sample.products.length,
      ticked: sample.products.length,
      finished: true,
    });
    expect(step(progress, 'redis/cart: keys')).toMatchObject({
      ticked: Object.keys(before.redis['cart']!).length,
      finished: true,
    });
    const tables = Object.keys(before.postgres['orders']!.tables).length;
    expect(step(progress, 'postgres/orders: tables')).toMatchObject({ total: tables, ticked: tables, finished: true });
  }, 300_000);

  it('after every store is wiped, restores every row, document, index, key with its TTL and stream entry', async () => {
    // wipe: the databases dropped, the Mongo database dropped, the keys deleted, the indices and template deleted
    const admin = requireVar(env, 'POSTGRES_ADMIN_URL');
    for (const db of [stores.accountsDb, stores.ordersDb, stores.paymentsDb]) await dropDatabase(admin, db.name);
    await stores.catalogDb.drop();
    for (const space of Object.values(keySpaces())) {
      const keys = await space.keys();
      if (keys.length) await space.redis.del(...keys);
    }
    await stores.searchIndex.drop();
    const wiped = await fingerprint();
    expect(wiped).toEqual({
      postgres: { accounts: null, orders: null, payments: null },
      mongo: {},
      redis: { gateway: {}, accounts: {}, cart: {}, events: {} },
      search: { indices: {}, template: null },
    });

    const progress = progressRecorder();
    const result = await restore({
      folder,
      parts: partsFromEnv(SERVICES, toolEnv, 'restore'),
      progress: progress.factory,
    });
    expect(result.overwritten).toEqual([]);
    expect(Object.values(result.differences).flat()).toEqual([]);
    expect(step(progress, 'mongo/catalog: products')).toMatchObject({ ticked: sample.products.length, finished: true });

    const restored = await fingerprint();
    const at = Date.now();
    expect(withoutExpiredBy(restored, at)).toEqual(withoutExpiredBy(before, at));
    // what the comparison rests on is really there: rows, documents, keys with TTLs, a stream with its group
    expect(restored.postgres['orders']!.tables['orders']!.rows).toBe(sample.orders.length);
    expect(restored.mongo['products']!.indexes.length).toBeGreaterThan(3);
    expect(Object.values(restored.redis['cart']!).every((k) => k.expiresAt > Date.now())).toBe(true);
    expect(restored.redis['events']!['marker']).toMatchObject({ expiresAt: -1 });
    expect(restored.redis['events']!['{catalog}:product']!.value).toMatchObject({ entries: expect.any(Array) });
    expect(Object.values(restored.search.indices).filter((i) => i.aliased)).toHaveLength(1);
  }, 300_000);

  it('the restored product answers the storefront as before, the shopper still signed in', async () => {
    const polystore = await startPolystore({ stores, catalog: { CATALOG_REDIS_URL: undefined } });
    try {
      const after = await storefrontAnswers(polystore.url);
      expect(after).toEqual(answersBefore);
      expect((after['account'] as { me: { orders: { edges: unknown[] } } }).me.orders.edges.length).toBeGreaterThan(0);
    } finally {
      await polystore.stop();
    }
  }, 300_000);

  it('refuses to overwrite stores that hold data without --yes, and with it empties them and restores', async () => {
    const out: string[] = [];
    const io = { out: (l: string) => out.push(l), env: toolEnv };
    const held = await fingerprint();
    const refused = await backupCommand(['restore', path.basename(folder), '--only', 'cart,search'], io).catch(
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(AppError);
    expect((refused as AppError).extensions['code']).toBe('CONFLICT');
    expect((refused as AppError).message).toContain(`Redis keys ${stores.cartKeys.prefix}*`);
    expect(await fingerprint()).toEqual(held);

    // a key written since the backup: gone after the restore over it
    await stores.cartKeys.redis.set(`${stores.cartKeys.prefix}written-after`, 'x');
    expect(await backupCommand(['restore', path.basename(folder), '--only', 'cart,search', '--yes'], io)).toBe(0);
    expect(out.at(-1)).toContain('every object matches');
    expect(await stores.cartKeys.redis.exists(`${stores.cartKeys.prefix}written-after`)).toBe(0);
    // the cart and search as the backup holds them (the product read the cart since, renewing its
    // TTLs), every other store as it was
    const after = await fingerprint();
    const at = Date.now();
    expect(withoutExpiredBy(after, at).redis['cart']).toEqual(withoutExpiredBy(before, at).redis['cart']);
    expect(after.search).toEqual(before.search);
    const others = (print: typeof after) => ({
      ...withoutExpiredBy(print, at),
      search: null,
      redis: { ...withoutExpiredBy(print, at).redis, cart: null },
    });
    expect(others(after)).toEqual(others(held));
  }, 300_000);

  it('refuses a backup with a tampered file, naming the file, and changes nothing', async () => {
    const tampered = path.join(dir, 'tampered');
    cpSync(folder, tampered, { recursive: true });
    const file = path.join(tampered, 'mongo', 'catalog', 'products.ejson');
    const text = readFileSync(file, 'utf8');
    writeFileSync(file, text.replace(/"name":"([^"]+)"/, '"name":"$1 (changed)"'));
    const held = await fingerprint();

    const refused = await restore({
      folder: tampered,
      parts: partsFromEnv(SERVICES, toolEnv, 'restore'),
      yes: true,
    }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(AppError);
    expect((refused as AppError).extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      file: 'mongo/catalog/products.ejson',
    });
    expect((refused as AppError).message).toContain('mongo/catalog/products.ejson');
    expect(await fingerprint()).toEqual(held);
  }, 300_000);
});

function step(progress: ReturnType<typeof progressRecorder>, label: string) {
  return progress.steps.find((s) => s.label === label);
}
