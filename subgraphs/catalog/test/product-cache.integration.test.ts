import { createMetrics, counterValue, createRedis } from '@polystore/platform';
import type { Redis } from 'ioredis';
import { createTestMongo, type TestMongo } from '../../../test-support/mongo';
import { signedGql as gql, STAFF, TEST_SIGNING_SECRET } from '../../../test-support/graphql';
import { requireVar, stackEnv } from '../../../test-support/stack-env';
import { createCatalog, type Catalog } from '../src/app';
import { loadCatalogConfig } from '../src/config';
import type { ProductDoc } from '../src/models';
import { TwoLevelProductCache } from '../src/product/product.cache';

// Two catalog instances on one store and one Redis (the stack's real ones), as in production.
const redisUrl = requireVar(stackEnv(), 'CATALOG_REDIS_URL');
let mongo: TestMongo;
let a: Catalog;
let b: Catalog;
let urlA: string;
let urlB: string;

const ENTITIES = `query($r: [_Any!]!) { _entities(representations: $r) { ... on Product { id name version availability } } }`;
const finds = (catalog: Catalog) =>
  counterValue(catalog.metrics.registry, 'store_commands_total', { store: 'mongodb', operation: 'find' });

async function start(): Promise<[Catalog, string]> {
  const catalog = await createCatalog(
    loadCatalogConfig({
      MONGO_URL: mongo.url,
      CATALOG_DB_NAME: mongo.dbName,
      CATALOG_REDIS_URL: redisUrl,
      PRODUCT_CACHE_L1_SECONDS: '1',
      CATALOG_SIGNING_SECRET: TEST_SIGNING_SECRET,
      LOG_LEVEL: 'silent',
      NODE_ENV: 'test',
    }),
  );
  return [catalog, `http://127.0.0.1:${(await catalog.server.listen(0, '127.0.0.1')).port}/graphql`];
}

beforeAll(async () => {
  mongo = await createTestMongo();
  [a, urlA] = await start();
  [b, urlB] = await start();
  // catalog writes are staff only
  await gql(urlA, `mutation { createCategory(input: { slug: "tea", name: "Tea" }) { slug } }`, {}, STAFF);
});
afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
  await mongo?.drop();
});

async function createProduct(sku: string, stock = 10): Promise<string> {
  const res = await gql(
    urlA,
    `mutation($i: CreateProductInput!) { createProduct(input: $i) { id } }`,
    { i: { sku, name: `Tea ${sku}`, price: { amount: 500, currency: 'EUR' }, category: 'tea', stock } },
    STAFF,
  );
  expect(res.errors).toBeUndefined();
  return res.data!['createProduct'].id;
}

describe('the product cache', () => {
  it('serves another instance from Redis without touching the store', async () => {
    const id = await createProduct('TEA-1');
    const before = await finds(b);
    const res = await gql(urlB, ENTITIES, { r: [{ __typename: 'Product', id }] });
    expect(res.data!['_entities']).toEqual([{ id, name: 'Tea TEA-1', version: 1, availability: 'IN_STOCK' }]);
    expect((await finds(b)) - before).toBe(0);
  });

  it('loads what it does not have from the store in one query, then serves it from memory', async () => {
    const ids = [await createProduct('TEA-2'), await createProduct('TEA-3')];
    const redis = createRedis(redisUrl, createMetrics('test'));
    await redis.connect(); // no offline queue: a command before the connection would fail
    await redis.del(...ids.map((id) => `cat:product:${id}`));
    redis.disconnect();
    const [c, urlC] = await start();
    try {
      const before = await finds(c);
      await gql(urlC, ENTITIES, { r: ids.map((id) => ({ __typename: 'Product', id })) });
      expect((await finds(c)) - before).toBe(1);
      await gql(urlC, ENTITIES, { r: ids.map((id) => ({ __typename: 'Product', id })) });
      expect((await finds(c)) - before).toBe(1);
    } finally {
      await c.stop();
    }
  });

  it('sends one store query for concurrent requests that miss on the same products', async () => {
    const ids = [await createProduct('TEA-5'), await createProduct('TEA-6')];
    const redis = createRedis(redisUrl, createMetrics('test'));
    await redis.connect(); // no offline queue: a command before the connection would fail
    await redis.del(...ids.map((id) => `cat:product:${id}`));
    redis.disconnect();
    const [c, urlC] = await start();
    try {
      const before = await finds(c);
      const answers = await Promise.all(
        Array.from({ length: 8 }, () => gql(urlC, ENTITIES, { r: ids.map((id) => ({ __typename: 'Product', id })) })),
      );
      for (const res of answers) expect(res.data!['_entities'].map((p: { id: string }) => p.id)).toEqual(ids);
      expect((await finds(c)) - before).toBe(1);
    } finally {
      await c.stop();
    }
  });

  it('shows a write everywhere within the process-cache lifetime (1 s here)', async () => {
    const id = await createProduct('TEA-4', 3);
    expect((await gql(urlB, ENTITIES, { r: [{ __typename: 'Product', id }] })).data!['_entities'][0].availability).toBe(
      'LOW_STOCK',
    );
    await gql(
      urlA,
      `mutation($id: ID!) { updateProduct(id: $id, input: { stock: 0, name: "Renamed" }) { version } }`,
      { id },
      STAFF,
    );
    expect((await gql(urlA, ENTITIES, { r: [{ __typename: 'Product', id }] })).data!['_entities'][0]).toMatchObject({
      name: 'Renamed',
      version: 2,
      availability: 'OUT_OF_STOCK',
    });
    await new Promise((r) => setTimeout(r, 1100));
    expect((await gql(urlB, ENTITIES, { r: [{ __typename: 'Product', id }] })).data!['_entities'][0]).toMatchObject({
      name: 'Renamed',
      version: 2,
    });
  });
});

describe('TwoLevelProductCache', () => {
  let redis: Redis;
  beforeAll(async () => {
    redis = createRedis(redisUrl, createMetrics('test'));
    await redis.connect();
  });
  afterAll(() => redis.disconnect());

  const doc = (version: number): ProductDoc => ({
    _id: `0190a0b0-0000-7000-8000-${String(Date.now()).slice(-12)}`,
    sku: 'X',
    name: `v${version}`,
    nameKey: `v${version}`,
    description: '',
    price: { amount: 1, currency: 'EUR' },
    category: 'tea',
    attributes: [],
    attributeKeys: [],
    stock: 1,
    status: 'ACTIVE',
    version,
    createdAt: new Date(0),
    updatedAt: new Date(0),
  });

  it('never lets a reader holding an older copy overwrite what a writer stored', async () => {
    const cache = new TwoLevelProductCache(redis, {
      l1Seconds: 0,
      l2Seconds: 60,
      registry: createMetrics('test').registry,
    });
    const newer = doc(2);
    const older = { ...newer, name: 'v1', version: 1 };
    await cache.put(newer);
    await cache.fill([older]);
    expect((await cache.getMany([newer._id])).get(newer._id)).toMatchObject({ version: 2, createdAt: new Date(0) });
    await redis.del(`cat:product:${newer._id}`);
  });
});
