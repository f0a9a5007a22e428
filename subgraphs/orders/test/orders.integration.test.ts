import {
  checkoutPublicKey,
  counterValue,
  generateCheckoutKeys,
  verifyCheckoutToken,
  type Identity,
} from '@polystore/platform';
import { createTestDatabase, queryAs, type TestDatabase } from '../../../test-support/postgres';
import { codes, signedGql, TEST_SIGNING_SECRET } from '../../../test-support/graphql';
import { createOrders, type Orders } from '../src/app';
import { loadOrdersConfig } from '../src/config';
import type { ProductCatalog, ProductSnapshot } from '../src/order/product-catalog';

// Against the real PostgreSQL of the stack, as the service's own least-privilege role. The product
// catalog (a call through the gateway) is the one fake: the catalog is not under test here.
const P = (n: number) => `0190a0b0-0000-7000-8000-${String(n).padStart(12, '0')}`;
const catalog = new Map<string, ProductSnapshot>([
  [P(1), { id: P(1), name: 'Arc Lamp', status: 'ACTIVE', price: { amount: 4900, currency: 'EUR' } }],
  [P(2), { id: P(2), name: 'Desk Lamp', status: 'ACTIVE', price: { amount: 2500, currency: 'EUR' } }],
  [P(3), { id: P(3), name: 'Paper Lantern', status: 'ACTIVE', price: { amount: 999, currency: 'EUR' } }],
  [P(4), { id: P(4), name: 'Old Lamp', status: 'ARCHIVED', price: { amount: 100, currency: 'EUR' } }],
  [P(5), { id: P(5), name: 'Import Lamp', status: 'ACTIVE', price: { amount: 100, currency: 'USD' } }],
  [P(6), { id: P(6), name: 'Chandelier', status: 'ACTIVE', price: { amount: 90_000_000, currency: 'EUR' } }],
]);
let lookups = 0;
const products: ProductCatalog = {
  async lookup(ids) {
    lookups++;
    return new Map(ids.filter((id) => catalog.has(id)).map((id) => [id, structuredClone(catalog.get(id)!)]));
  },
};

const ADA = '0190a0b0-0000-7000-8000-00000000a0a0';
const BOB = '0190a0b0-0000-7000-8000-00000000b0b0';
const as = (userId: string, roles: string[] = []): Identity => ({ userId, roles });
const STAFF: Identity = { userId: '0190a0b0-0000-7000-8000-00000000c0c0', roles: ['staff'] };

const checkoutKeys = generateCheckoutKeys();
let db: TestDatabase;
let orders: Orders;
let url: string;

const gql = (query: string, variables: Record<string, unknown>, identity?: Identity) =>
  signedGql(url, query, variables, identity ?? { roles: [] });

const CREATE = `mutation($input: CreateOrderInput!) {
  createOrder(input: $input) {
    id number status itemCount placedAt currency
    subtotal { amount currency } total { amount currency }
    customer { id }
    lines { product { id } name unitPrice { amount currency } quantity total { amount currency } }
  }
}`;

async function createOrder(customer: string, lines: { productId: string; quantity: number }[]) {
  const res = await gql(CREATE, { input: { lines } }, as(customer));
  expect(res.errors).toBeUndefined();
  return res.data!['createOrder'] as { id: string; number: string; placedAt: string };
}

const rowCount = async (table: 'orders' | 'order_lines') =>
  Number((await queryAs(db.appUrl, `SELECT count(*) AS n FROM ${table}`))[0]!['n']);
const selects = () =>
  counterValue(orders.metrics.registry, 'store_commands_total', { store: 'postgres', operation: 'SELECT' });

beforeAll(async () => {
  db = await createTestDatabase('orders');
  orders = await createOrders(
    loadOrdersConfig({
      ORDERS_DATABASE_URL: db.appUrl,
      ORDERS_SIGNING_SECRET: TEST_SIGNING_SECRET,
      ORDERS_CHECKOUT_PRIVATE_KEY: checkoutKeys.privateKey,
      LOG_LEVEL: 'silent',
      NODE_ENV: 'test',
    }),
    { products },
  );
  url = `http://127.0.0.1:${(await orders.server.listen(0, '127.0.0.1')).port}/graphql`;
});

afterAll(async () => {
  await orders?.stop();
  await db?.drop();
});

describe('createOrder', () => {
  it("copies each product's name and price, totals in minor units, and numbers the order", async () => {
    const asked = lookups;
    const res = await gql(
      CREATE,
      {
        input: {
          lines: [
            { productId: P(1), quantity: 2 },
            { productId: P(3), quantity: 3 },
          ],
        },
      },
      as(ADA),
    );
    expect(res.errors).toBeUndefined();
    const order = res.data!['createOrder'];
    expect(order).toMatchObject({
      status: 'PENDING_PAYMENT',
      currency: 'EUR',
      itemCount: 5,
      subtotal: { amount: 2 * 4900 + 3 * 999, currency: 'EUR' },
      total: { amount: 2 * 4900 + 3 * 999, currency: 'EUR' },
      customer: { id: ADA },
      lines: [
        {
          product: { id: P(1) },
          name: 'Arc Lamp',
          unitPrice: { amount: 4900, currency: 'EUR' },
          quantity: 2,
          total: { amount: 9800, currency: 'EUR' },
        },
        {
          product: { id: P(3) },
          name: 'Paper Lantern',
          unitPrice: { amount: 999, currency: 'EUR' },
          quantity: 3,
          total: { amount: 2997, currency: 'EUR' },
        },
      ],
    });
    expect(order.number).toMatch(new RegExp(`^PS-${new Date(order.placedAt).getUTCFullYear()}-\\d{6}$`));
    // one request to the catalog for both lines
    expect(lookups - asked).toBe(1);
  });

  it('keeps the copied name and price when the catalog changes afterwards', async () => {
    const { id } = await createOrder(ADA, [{ productId: P(2), quantity: 1 }]);
    catalog.get(P(2))!.name = 'Desk Lamp (new model)';
    catalog.get(P(2))!.price.amount = 3500;
    try {
      const res = await gql(
        `query($id: ID!) { order(id: $id) { lines { name unitPrice { amount } } } }`,
        { id },
        as(ADA),
      );
      expect(res.data!['order'].lines).toEqual([{ name: 'Desk Lamp', unitPrice: { amount: 2500 } }]);
    } finally {
      catalog.get(P(2))!.name = 'Desk Lamp';
      catalog.get(P(2))!.price.amount = 2500;
    }
  });

  it('gives every order its own number, also when placed at the same moment', async () => {
    const placed = await Promise.all(
      Array.from({ length: 8 }, () => createOrder(BOB, [{ productId: P(3), quantity: 1 }])),
    );
    expect(new Set(placed.map((o) => o.number)).size).toBe(8);
  });

  const line = (override: Record<string, unknown>) => ({ productId: P(1), quantity: 1, ...override });
  it.each([
    ['a negative quantity', [line({ quantity: -1 })], 'BAD_USER_INPUT', 'input.lines.0.quantity'],
    ['a zero quantity', [line({ quantity: 0 })], 'BAD_USER_INPUT', 'input.lines.0.quantity'],
    ['a quantity above 99', [line({ quantity: 100 })], 'BAD_USER_INPUT', 'input.lines.0.quantity'],
    ['a huge quantity', [line({ quantity: 2_147_483_647 })], 'BAD_USER_INPUT', 'input.lines.0.quantity'],
    ['a malformed product id', [line({ productId: "1' OR '1'='1" })], 'BAD_USER_INPUT', 'input.lines.0.productId'],
    [
      'an oversized product id',
      [line({ productId: 'x'.repeat(100_000) })],
      'BAD_USER_INPUT',
      'input.lines.0.productId',
    ],
    ['no lines', [], 'BAD_USER_INPUT', 'input.lines'],
    [
      '51 lines',
      Array.from({ length: 51 }, (_, i) => line({ productId: P(100 + i) })),
      'BAD_USER_INPUT',
      'input.lines',
    ],
    ['the same product twice', [line({}), line({ quantity: 2 })], 'BAD_USER_INPUT', 'input.lines.1.productId'],
    ['an unknown product', [line({ productId: P(999) })], 'NOT_FOUND', 'input.lines.0.productId'],
    ['a product no longer sold', [line({ productId: P(4) })], 'BAD_USER_INPUT', 'input.lines.0.productId'],
    ['a product priced in another currency', [line({ productId: P(5) })], 'BAD_USER_INPUT', 'input.lines.0.productId'],
    ['a total above 1,000,000.00', [line({ productId: P(6), quantity: 2 })], 'BAD_USER_INPUT', 'input.lines'],
  ])('refuses %s with a coded error naming the field, and writes nothing', async (_what, lines, code, field) => {
    const before = [await rowCount('orders'), await rowCount('order_lines')];
    const res = await gql(CREATE, { input: { lines } }, as(ADA));
    expect(codes(res)).toEqual([code]);
    const ext = res.errors![0]!.extensions!;
    const named = ext['field'] ?? (ext['fields'] as { field: string }[]).map((f) => f.field);
    expect(named).toContain(field);
    expect([await rowCount('orders'), await rowCount('order_lines')]).toEqual(before);
  });

  it('takes the customer from the signed-in viewer only: none is UNAUTHENTICATED, a customer in the input is refused', async () => {
    const before = await rowCount('orders');
    expect(codes(await gql(CREATE, { input: { lines: [line({})] } }))).toEqual(['UNAUTHENTICATED']);
    const smuggled = await gql(CREATE, { input: { lines: [line({})], customerId: BOB } }, as(ADA));
    expect(codes(smuggled)).toEqual(['BAD_USER_INPUT']);
    expect(await rowCount('orders')).toBe(before);
  });
});

describe('checkoutToken', () => {
  it("is orders' signed statement of the order's customer, total and currency, which the public key verifies", async () => {
    const { id } = await createOrder(ADA, [{ productId: P(1), quantity: 3 }]);
    const res = await gql(`query($id: ID!) { order(id: $id) { checkoutToken } }`, { id }, as(ADA));
    const claims = verifyCheckoutToken(checkoutPublicKey(checkoutKeys.publicKey), res.data!['order'].checkoutToken);
    expect(claims).toMatchObject({ orderId: id, customerId: ADA, amount: 3 * 4900, currency: 'EUR' });
    expect(claims!.expiresAt).toBeGreaterThan(Date.now() + 3500_000);
  });
});

describe('order(id)', () => {
  const ORDER = `query($id: ID!) { order(id: $id) { id number customer { id } } }`;

  it('answers its customer and staff; anyone else gets the same NOT_FOUND as for an order that does not exist', async () => {
    const { id, number } = await createOrder(ADA, [{ productId: P(1), quantity: 1 }]);
    expect((await gql(ORDER, { id }, as(ADA))).data).toEqual({ order: { id, number, customer: { id: ADA } } });
    expect((await gql(ORDER, { id }, STAFF)).data!['order'].id).toBe(id);
    const someoneElses = await gql(ORDER, { id }, as(BOB));
    const missing = await gql(ORDER, { id: P(424242) }, as(BOB));
    expect(codes(someoneElses)).toEqual(['NOT_FOUND']);
    expect(codes(missing)).toEqual(['NOT_FOUND']);
    expect(someoneElses.errors![0]!.message.replace(id, 'ID')).toBe(
      missing.errors![0]!.message.replace(P(424242), 'ID'),
    );
    expect(codes(await gql(ORDER, { id }))).toEqual(['UNAUTHENTICATED']);
    expect(codes(await gql(ORDER, { id: 'not-a-uuid' }, as(ADA)))).toEqual(['BAD_USER_INPUT']);
  });
});

describe('User.orders', () => {
  const CAROL = '0190a0b0-0000-7000-8000-00000000c001';
  const ORDERS = `query($r: [_Any!]!, $first: Int, $after: String, $status: OrderStatus) {
    _entities(representations: $r) { ... on User { id orders(first: $first, after: $after, status: $status) {
      edges { cursor node { number lines { name } } } pageInfo { hasNextPage endCursor } } } } }`;
  const ordersOf = (userId: string, variables: Record<string, unknown>, identity: Identity) =>
    gql(ORDERS, { r: [{ __typename: 'User', id: userId }], ...variables }, identity);

  it("pages through the customer's own orders newest first, with cursors", async () => {
    const numbers: string[] = [];
    for (let i = 0; i < 5; i++) numbers.push((await createOrder(CAROL, [{ productId: P(1), quantity: 1 }])).number);
    const newestFirst = [...numbers].reverse();
    const first = await ordersOf(CAROL, { first: 2 }, as(CAROL));
    expect(first.errors).toBeUndefined();
    const page1 = first.data!['_entities'][0].orders;
    expect(page1.edges.map((e: any) => e.node.number)).toEqual(newestFirst.slice(0, 2));
    expect(page1.pageInfo.hasNextPage).toBe(true);
    const page2 = (await ordersOf(CAROL, { first: 10, after: page1.pageInfo.endCursor }, as(CAROL))).data![
      '_entities'
    ][0].orders;
    expect(page2.edges.map((e: any) => e.node.number)).toEqual(newestFirst.slice(2));
    expect(page2.pageInfo.hasNextPage).toBe(false);
  });

  it('filters by status', async () => {
    const pending = await ordersOf(CAROL, { status: 'PENDING_PAYMENT' }, as(CAROL));
    expect(pending.data!['_entities'][0].orders.edges).toHaveLength(5);
    const shipped = await ordersOf(CAROL, { status: 'SHIPPED' }, as(CAROL));
    expect(shipped.data!['_entities'][0].orders.edges).toEqual([]);
  });

  it("is FORBIDDEN for someone else's orders, UNAUTHENTICATED when signed out, open to staff", async () => {
    const others = await ordersOf(CAROL, {}, as(ADA));
    expect(codes(others)).toEqual(['FORBIDDEN']);
    expect(others.data!['_entities'][0].orders).toBeNull();
    expect(codes(await ordersOf(CAROL, {}, { roles: [] }))).toEqual(['UNAUTHENTICATED']);
    expect((await ordersOf(CAROL, {}, STAFF)).data!['_entities'][0].orders.edges).toHaveLength(5);
  });

  it.each([
    ['first above 50', { first: 51 }],
    ['first below 1', { first: 0 }],
    ['a cursor it did not issue', { after: 'bm90LWEtY3Vyc29y' }],
    ['an oversized cursor', { after: 'x'.repeat(1000) }],
  ])('refuses %s with BAD_USER_INPUT', async (_what, variables) => {
    expect(codes(await ordersOf(CAROL, variables, as(CAROL)))).toEqual(['BAD_USER_INPUT']);
  });

  it('lists the orders and lines of many users in the same two queries as one user (DataLoader)', async () => {
    const users = Array.from({ length: 6 }, (_, i) => `0190a0b0-0000-7000-8000-0000000d000${i}`);
    for (const [i, user] of users.entries()) {
      for (let n = 0; n <= i; n++) {
        await createOrder(user, [
          { productId: P(1), quantity: 1 },
          { productId: P(2), quantity: 2 },
          { productId: P(3), quantity: 3 },
        ]);
      }
    }
    const cost = async (ids: string[]) => {
      const before = await selects();
      const res = await gql(ORDERS, { r: ids.map((id) => ({ __typename: 'User', id })), first: 50 }, STAFF);
      expect(res.errors).toBeUndefined();
      expect(res.data!['_entities'].map((u: any) => u.orders.edges.length)).toEqual(
        ids.map((id) => users.indexOf(id) + 1),
      );
      for (const user of res.data!['_entities']) {
        for (const edge of user.orders.edges) expect(edge.node.lines).toHaveLength(3);
      }
      return (await selects()) - before;
    };
    expect(await cost(users.slice(0, 1))).toBe(2);
    expect(await cost(users)).toBe(2);
  });
});

describe('Order references', () => {
  it('resolves many in one query, and only for their customer', async () => {
    const mine = await Promise.all([1, 2, 3].map(() => createOrder(ADA, [{ productId: P(1), quantity: 1 }])));
    const theirs = await createOrder(BOB, [{ productId: P(1), quantity: 1 }]);
    const before = await selects();
    const res = await gql(
      `query($r: [_Any!]!) { _entities(representations: $r) { ... on Order { id total { amount } } } }`,
      { r: [...mine, theirs].map(({ id }) => ({ __typename: 'Order', id })) },
      as(ADA),
    );
    expect(res.errors).toBeUndefined();
    expect(res.data!['_entities']).toEqual([...mine.map(({ id }) => ({ id, total: { amount: 4900 } })), null]);
    expect((await selects()) - before).toBe(1);
  });
});

describe('least privilege', () => {
  it('the runtime role can change rows but not the schema', async () => {
    await expect(queryAs(db.appUrl, 'CREATE TABLE intruder (id int)')).rejects.toMatchObject({ code: '42501' });
    await expect(queryAs(db.appUrl, 'DROP TABLE orders')).rejects.toMatchObject({ code: '42501' });
  });
});
