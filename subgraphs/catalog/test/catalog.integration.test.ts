import { MongoClient } from 'mongodb';
import { counterValue } from '@polystore/platform';
import { createTestMongo, type TestMongo } from '../../../test-support/mongo';
import { ANONYMOUS, type Identity } from '@polystore/platform';
import { CUSTOMER, codes, signedGql as gql, STAFF, TEST_SIGNING_SECRET } from '../../../test-support/graphql';
import { createCatalog, type Catalog } from '../src/app';
import { loadCatalogConfig } from '../src/config';
import { catalogMigrations } from '../src/migrations';
import { migrateMongo } from '../src/migrations/runner';

// Runs against the real MongoDB endpoint of the stack: FerretDB 1.24 locally, MongoDB under compose.
let mongo: TestMongo;
let catalog: Catalog;
let url: string;

const CREATE = `mutation($input: CreateProductInput!) { createProduct(input: $input) { id sku name price { amount currency } category { slug name } attributes { name value } stock status version } }`;
const UPDATE = `mutation($id: ID!, $input: UpdateProductInput!) { updateProduct(id: $id, input: $input) { id name version price { amount } status } }`;

const product = (sku: string, overrides: Record<string, unknown> = {}) => ({
  sku,
  name: `Product ${sku}`,
  description: 'A thing',
  price: { amount: 1999, currency: 'EUR' },
  category: 'kitchen',
  attributes: [{ name: 'colour', value: 'red' }],
  stock: 5,
  ...overrides,
});

/** Catalog writes are staff only: the tests below write as staff (the refusals have their own tests). */
const write = (query: string, variables: Record<string, unknown>) => gql(url, query, variables, STAFF);

async function productCount(): Promise<number> {
  return (await storeContents()).products.length;
}

/** Every product and category as the store holds them (read from MongoDB, not through the API). */
async function storeContents(): Promise<{ products: unknown[]; categories: unknown[] }> {
  const client = await new MongoClient(mongo.url).connect();
  try {
    const db = client.db(mongo.dbName);
    return {
      products: await db.collection('products').find({}).sort({ _id: 1 }).toArray(),
      categories: await db.collection('categories').find({}).sort({ _id: 1 }).toArray(),
    };
  } finally {
    await client.close();
  }
}

beforeAll(async () => {
  mongo = await createTestMongo();
  // The product cache is off here: these tests look at the store itself (see product-cache tests).
  const config = loadCatalogConfig({
    PRODUCT_CACHE_L1_SECONDS: '0',
    MONGO_URL: mongo.url,
    CATALOG_DB_NAME: mongo.dbName,
    CATALOG_SIGNING_SECRET: TEST_SIGNING_SECRET,
    LOG_LEVEL: 'silent',
    NODE_ENV: 'test',
  });
  catalog = await createCatalog(config);
  const address = await catalog.server.listen(0, '127.0.0.1');
  url = `http://127.0.0.1:${address.port}/graphql`;
  for (const [slug, name] of [
    ['kitchen', 'Kitchen'],
    ['garden', 'Garden'],
  ]) {
    const created = await write(`mutation($i: CreateCategoryInput!) { createCategory(input: $i) { slug } }`, {
      i: { slug, name },
    });
    expect(created.errors).toBeUndefined();
  }
});

afterAll(async () => {
  await catalog?.stop();
  await mongo?.drop();
});

describe('catalog migrations', () => {
  it('create the unique sku index and apply nothing when run again', async () => {
    const client = await new MongoClient(mongo.url).connect();
    try {
      const db = client.db(mongo.dbName);
      const indexes = await db.collection('products').listIndexes().toArray();
      expect(indexes.find((i) => i['name'] === 'sku_unique')?.['unique']).toBe(true);
      expect(await migrateMongo(db, catalogMigrations)).toEqual([]);
      expect(await db.collection('_migrations').countDocuments()).toBe(catalogMigrations.length);
    } finally {
      await client.close();
    }
  });
});

describe('who may write the catalog', () => {
  let guarded = 0;
  const CATEGORY = `mutation($i: CreateCategoryInput!) { createCategory(input: $i) { slug } }`;
  const writes = (productId: string) =>
    [
      ['createCategory', CATEGORY, { i: { slug: 'intruders', name: 'Intruders' } }],
      ['createProduct', CREATE, { input: product('INTRUDER-1') }],
      ['updateProduct', UPDATE, { id: productId, input: { price: { amount: 1, currency: 'EUR' }, stock: 0 } }],
      // invalid input too: the refusal comes first, before the input says anything
      [
        'createProduct (invalid input)',
        CREATE,
        { input: product('no spaces', { price: { amount: -1, currency: 'EUR' } }) },
      ],
    ] as const;

  it.each<[string, Identity, string]>([
    ['an anonymous caller', ANONYMOUS, 'UNAUTHENTICATED'],
    ['a caller claiming the staff role without a signed-in user', { roles: ['staff'] }, 'UNAUTHENTICATED'],
    ["one of Polystore's own services", { roles: ['service'], service: 'search' }, 'UNAUTHENTICATED'],
    ['a signed-in customer', CUSTOMER, 'FORBIDDEN'],
  ])('refuses %s every write with %s, writing nothing', async (_who, identity, code) => {
    const created = await write(CREATE, { input: product(`GUARD-${++guarded}`) });
    const productId = created.data!['createProduct'].id as string;
    const before = await storeContents();
    for (const [field, query, variables] of writes(productId)) {
      const res = await gql(url, query, variables, identity);
      expect([field, codes(res)]).toEqual([field, [code]]);
      expect(res.data).toBeNull();
    }
    expect(await storeContents()).toEqual(before);
    const now = await gql(url, `query($id: ID!) { product(id: $id) { price { amount } stock version } }`, {
      id: productId,
    });
    expect(now.data).toEqual({ product: { price: { amount: 1999 }, stock: 5, version: 1 } });
  });

  it('lets a signed-in staff user write', async () => {
    const res = await write(CATEGORY, { i: { slug: 'staff-made', name: 'Staff made' } });
    expect(res.errors).toBeUndefined();
    expect((await storeContents()).categories).toContainEqual(expect.objectContaining({ _id: 'staff-made' }));
  });
});

describe('createProduct', () => {
  it('stores a product and returns it with its category', async () => {
    const res = await write(CREATE, { input: product('MUG-001') });
    expect(res.errors).toBeUndefined();
    expect(res.data!['createProduct']).toMatchObject({
      sku: 'MUG-001',
      price: { amount: 1999, currency: 'EUR' },
      category: { slug: 'kitchen', name: 'Kitchen' },
      attributes: [{ name: 'colour', value: 'red' }],
      stock: 5,
      status: 'ACTIVE',
      version: 1,
    });
    expect(res.data!['createProduct'].id).toMatch(/^[0-9a-f-]{36}$/);
    const byId = await gql(url, `query($id: ID!) { product(id: $id) { sku } }`, { id: res.data!['createProduct'].id });
    expect(byId.data).toEqual({ product: { sku: 'MUG-001' } });
  });

  it('rejects a duplicate sku with CONFLICT and writes nothing', async () => {
    await write(CREATE, { input: product('DUP-001') });
    const before = await productCount();
    const res = await write(CREATE, { input: product('dup-001', { name: 'Other' }) });
    expect(codes(res)).toEqual(['CONFLICT']);
    expect(await productCount()).toBe(before);
  });

  it.each([
    ['a negative price', { price: { amount: -1, currency: 'EUR' } }, 'input.price.amount'],
    ['a currency the store does not sell in', { price: { amount: 100, currency: 'USD' } }, 'input.price.currency'],
    ['a malformed sku', { sku: 'no spaces allowed' }, 'input.sku'],
    ['an empty name', { name: '   ' }, 'input.name'],
    ['an oversized description', { description: 'x'.repeat(5001) }, 'input.description'],
    ['a negative stock', { stock: -3 }, 'input.stock'],
    [
      'duplicate attribute names',
      {
        attributes: [
          { name: 'a', value: '1' },
          { name: 'A', value: '2' },
        ],
      },
      'input.attributes',
    ],
  ])('rejects %s with BAD_USER_INPUT naming the field, and writes nothing', async (_what, overrides, field) => {
    const before = await productCount();
    const res = await write(CREATE, {
      input: product(`BAD-${Math.random().toString(36).slice(2, 8).toUpperCase()}`, overrides),
    });
    expect(codes(res)).toEqual(['BAD_USER_INPUT']);
    const fields = (res.errors![0]!.extensions!['fields'] as { field: string }[]).map((f) => f.field);
    expect(fields).toContain(field);
    expect(await productCount()).toBe(before);
  });

  it.each([
    [
      'a missing sku',
      (() => {
        const { sku: _sku, ...rest } = product('X');
        return rest;
      })(),
    ],
    ['a fractional price', product('FRACTION-1', { price: { amount: 10.5, currency: 'EUR' } })],
    ['an unknown currency', product('CURRENCY-1', { price: { amount: 10, currency: 'XYZ' } })],
  ])('rejects %s before any resolver runs, and writes nothing', async (_what, input) => {
    const before = await productCount();
    const res = await write(CREATE, { input });
    expect(codes(res)).toEqual(['BAD_USER_INPUT']);
    expect(await productCount()).toBe(before);
  });

  it('rejects an unknown category with NOT_FOUND and writes nothing', async () => {
    const before = await productCount();
    const res = await write(CREATE, { input: product('CAT-404', { category: 'no-such-category' }) });
    expect(codes(res)).toEqual(['NOT_FOUND']);
    expect(await productCount()).toBe(before);
  });
});

describe('updateProduct', () => {
  it('changes the given fields and bumps the version', async () => {
    const created = await write(CREATE, { input: product('UPD-001') });
    const id = created.data!['createProduct'].id;
    const res = await write(UPDATE, { id, input: { name: 'Renamed', price: { amount: 2500, currency: 'EUR' } } });
    expect(res.errors).toBeUndefined();
    expect(res.data!['updateProduct']).toMatchObject({ name: 'Renamed', version: 2, price: { amount: 2500 } });
  });

  it('rejects a stale expectedVersion with CONFLICT and keeps the newer data', async () => {
    const created = await write(CREATE, { input: product('UPD-002') });
    const id = created.data!['createProduct'].id;
    await write(UPDATE, { id, input: { name: 'First edit', expectedVersion: 1 } });
    const stale = await write(UPDATE, { id, input: { name: 'Second edit', expectedVersion: 1 } });
    expect(codes(stale)).toEqual(['CONFLICT']);
    const now = await gql(url, `query($id: ID!) { product(id: $id) { name version } }`, { id });
    expect(now.data).toEqual({ product: { name: 'First edit', version: 2 } });
  });

  it('answers NOT_FOUND for an unknown id and BAD_USER_INPUT for a malformed one', async () => {
    const unknown = await write(UPDATE, { id: '0190a0b0-0000-7000-8000-000000000000', input: { name: 'x' } });
    expect(codes(unknown)).toEqual(['NOT_FOUND']);
    const malformed = await write(UPDATE, { id: 'not-a-uuid', input: { name: 'x' } });
    expect(codes(malformed)).toEqual(['BAD_USER_INPUT']);
    const empty = await write(UPDATE, { id: '0190a0b0-0000-7000-8000-000000000000', input: {} });
    expect(codes(empty)).toEqual(['BAD_USER_INPUT']);
  });
});

describe('products connection', () => {
  const PAGE = `query($f: ProductFilter, $s: ProductSort, $first: Int, $after: String) {
    products(filter: $f, sort: $s, first: $first, after: $after) {
      edges { cursor node { sku price { amount } } } pageInfo { hasNextPage endCursor } totalCount } }`;

  beforeAll(async () => {
    for (let i = 0; i < 12; i++) {
      const res = await write(CREATE, {
        input: product(`PAGE-${String(i).padStart(3, '0')}`, {
          category: 'garden',
          price: { amount: 1000 + (i % 4) * 100, currency: 'EUR' },
          attributes: [{ name: 'size', value: i % 2 ? 'L' : 'S' }],
          stock: i % 3 === 0 ? 0 : 7,
        }),
      });
      expect(res.errors).toBeUndefined();
    }
  });

  async function walk(sort: string, first: number) {
    const seen: { sku: string; amount: number }[] = [];
    let after: string | null = null;
    for (let guard = 0; guard < 20; guard++) {
      const res: any = await gql(url, PAGE, { f: { category: 'garden' }, s: sort, first, after });
      expect(res.errors).toBeUndefined();
      const page = res.data.products;
      seen.push(...page.edges.map((e: any) => ({ sku: e.node.sku, amount: e.node.price.amount })));
      if (!page.pageInfo.hasNextPage) return { seen, total: page.totalCount };
      after = page.pageInfo.endCursor;
    }
    throw new Error('pagination did not end');
  }

  it.each(['NEWEST', 'PRICE_ASC', 'PRICE_DESC', 'NAME_ASC'])(
    'pages through every product exactly once in %s order',
    async (sort) => {
      const { seen, total } = await walk(sort, 5);
      expect(total).toBe(12);
      expect(seen).toHaveLength(12);
      expect(new Set(seen.map((s) => s.sku)).size).toBe(12);
      if (sort === 'PRICE_ASC')
        expect(seen.map((s) => s.amount)).toEqual([...seen.map((s) => s.amount)].sort((a, b) => a - b));
      if (sort === 'PRICE_DESC')
        expect(seen.map((s) => s.amount)).toEqual([...seen.map((s) => s.amount)].sort((a, b) => b - a));
      if (sort === 'NAME_ASC') expect(seen.map((s) => s.sku)).toEqual([...seen.map((s) => s.sku)].sort());
    },
  );

  it('filters by price range, stock and attribute values', async () => {
    const res: any = await gql(url, PAGE, {
      f: {
        category: 'garden',
        minPrice: 1100,
        maxPrice: 1200,
        inStock: true,
        attributes: [{ name: 'size', values: ['L'] }],
      },
      first: 50,
    });
    expect(res.errors).toBeUndefined();
    const skus = res.data.products.edges.map((e: any) => e.node.sku).sort();
    // i in 0..11 with price 1100 or 1200 (i % 4 in {1,2}), odd (size L), not a multiple of 3 (in stock)
    expect(skus).toEqual(['PAGE-001', 'PAGE-005']);
    expect(res.data.products.totalCount).toBe(2);
  });

  it('rejects a forged cursor, a cursor of another sort order and first above 100', async () => {
    expect(codes(await gql(url, PAGE, { after: 'bm90IGEgY3Vyc29y' }))).toEqual(['BAD_USER_INPUT']);
    const newest: any = await gql(url, PAGE, { first: 1 });
    const cursor = newest.data.products.pageInfo.endCursor;
    expect(codes(await gql(url, PAGE, { s: 'PRICE_ASC', after: cursor }))).toEqual(['BAD_USER_INPUT']);
    // same length, other kind of key: a name is not a price (found by e2e/string-inputs' fuzz)
    const byName: any = await gql(url, PAGE, { s: 'NAME_ASC', first: 1 });
    const byPrice: any = await gql(url, PAGE, { s: 'PRICE_ASC', first: 1 });
    for (const [s, after] of [
      ['PRICE_ASC', byName.data.products.pageInfo.endCursor],
      ['PRICE_DESC', byName.data.products.pageInfo.endCursor],
      ['NAME_ASC', byPrice.data.products.pageInfo.endCursor],
    ]) {
      expect([s, codes(await gql(url, PAGE, { s, after }))]).toEqual([s, ['BAD_USER_INPUT']]);
    }
    expect(codes(await gql(url, PAGE, { first: 101 }))).toEqual(['BAD_USER_INPUT']);
  });
});

describe('entity references', () => {
  it('resolves any number of Product references with one find on the store', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) {
      const res = await write(CREATE, { input: product(`REF-${i}`) });
      ids.push(res.data!['createProduct'].id);
    }
    const before = await counterValue(catalog.metrics.registry, 'store_commands_total', {
      store: 'mongodb',
      operation: 'find',
    });
    const res: any = await gql(
      url,
      `query($r: [_Any!]!) { _entities(representations: $r) { ... on Product { id sku } } }`,
      { r: [...ids, '0190a0b0-0000-7000-8000-000000000000', 'garbage'].map((id) => ({ __typename: 'Product', id })) },
    );
    const after = await counterValue(catalog.metrics.registry, 'store_commands_total', {
      store: 'mongodb',
      operation: 'find',
    });
    expect(res.errors).toBeUndefined();
    expect(res.data._entities.slice(0, 7).map((p: any) => p.id)).toEqual(ids);
    expect(res.data._entities.slice(7)).toEqual([null, null]);
    expect(after - before).toBe(1);
    expect(
      await counterValue(catalog.metrics.registry, 'graphql_entity_representations_total', { typename: 'Product' }),
    ).toBe(9);
  });
});

describe('productsByIds', () => {
  it('answers in the order asked, null where there is none, with one find', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++)
      ids.push((await write(CREATE, { input: product(`BYID-${i}`) })).data!['createProduct'].id);
    const unknown = '0190a0b0-0000-7000-8000-0000000000aa';
    const before = await counterValue(catalog.metrics.registry, 'store_commands_total', {
      store: 'mongodb',
      operation: 'find',
    });
    const res: any = await gql(url, `query($ids: [ID!]!) { productsByIds(ids: $ids) { id sku } }`, {
      ids: [ids[2], unknown, ids[0], ids[1]],
    });
    expect(res.errors).toBeUndefined();
    expect(res.data.productsByIds.map((p: any) => p?.sku ?? null)).toEqual(['BYID-2', null, 'BYID-0', 'BYID-1']);
    expect(
      (await counterValue(catalog.metrics.registry, 'store_commands_total', { store: 'mongodb', operation: 'find' })) -
        before,
    ).toBe(1);
  });

  it('refuses more than 100 ids or a malformed one with BAD_USER_INPUT', async () => {
    const many = Array.from({ length: 101 }, (_, i) => `0190a0b0-0000-7000-8000-${String(i).padStart(12, '0')}`);
    expect(codes(await gql(url, `query($ids: [ID!]!) { productsByIds(ids: $ids) { id } }`, { ids: many }))).toEqual([
      'BAD_USER_INPUT',
    ]);
    expect(codes(await gql(url, `query { productsByIds(ids: ["nope"]) { id } }`))).toEqual(['BAD_USER_INPUT']);
  });
});
