import { randomUUID } from 'node:crypto';
import { counterValue, type ServiceMetrics } from '@polystore/platform';
import { codes } from '../test-support/graphql';
import { Browser } from './support/browser';
import { startPolystore, type RunningPolystore } from './support/polystore';
import { createStaff } from './support/staff';

// A storefront's cart through the gateway: cart (Redis) keeps ids and quantities, catalog (MongoDB)
// answers names and prices, joined by the gateway's query plan. Product checks inside the cart's
// mutations go through the real gateway to the real catalog. Sessions are the gateway's own: an
// anonymous browser gets a session cookie, and signing in keeps that session.
let polystore: RunningPolystore;
const products: { id: string; name: string; amount: number }[] = [];
let archivedId: string;

beforeAll(async () => {
  polystore = await startPolystore();
  // the catalog is written by staff
  const staff = await (await createStaff(polystore)).signIn();
  expect(
    (await staff.gql(`mutation { createCategory(input: { slug: "teapots", name: "Teapots" }) { slug } }`)).errors,
  ).toBeUndefined();
  for (const [i, name] of ['Brown Betty', 'Tetsubin', 'Yixing Pot', 'Glass Kettle'].entries()) {
    const created = await staff.gql(`mutation($input: CreateProductInput!) { createProduct(input: $input) { id } }`, {
      input: { sku: `POT-${i}`, name, price: { amount: 1500 + i * 250, currency: 'EUR' }, category: 'teapots' },
    });
    expect(created.errors).toBeUndefined();
    products.push({ id: created.data!['createProduct'].id, name, amount: 1500 + i * 250 });
  }
  archivedId = products.pop()!.id;
  const archived = await staff.gql(
    `mutation($id: ID!) { updateProduct(id: $id, input: { status: ARCHIVED }) { id } }`,
    {
      id: archivedId,
    },
  );
  expect(archived.errors).toBeUndefined();
});
afterAll(async () => {
  await polystore?.stop();
});

const counter = (metrics: ServiceMetrics, name: string, labels: Record<string, string> = {}) =>
  counterValue(metrics.registry, name, labels);
const ADD = `mutation Add($productId: ID!, $quantity: Int!) { addToCart(productId: $productId, quantity: $quantity) { totalQuantity } }`;
const CART = `query Cart { cart { totalQuantity items { quantity product { name price { amount currency } } } } }`;

async function cartKeysContent() {
  const out: Record<string, Record<string, string>> = {};
  for (const key of await polystore.cartKeys.keys()) out[key] = await polystore.cartKeys.redis.hgetall(key);
  return out;
}

describe('an anonymous session with a cart', () => {
  it('reads names and prices for every item with one batched catalog fetch and one Redis round trip', async () => {
    const browser = new Browser(polystore.url);
    const [a, b, c] = products as [(typeof products)[0], (typeof products)[0], (typeof products)[0]];
    for (const [product, quantity] of [
      [a, 2],
      [b, 1],
      [c, 3],
    ] as const) {
      const added = await browser.gql(ADD, { productId: product.id, quantity });
      expect(added.errors).toBeUndefined();
    }

    const entityFetches = await counter(polystore.catalog.metrics, 'graphql_entity_requests_total', {
      typename: 'Product',
    });
    const finds = await counter(polystore.catalog.metrics, 'store_commands_total', {
      store: 'mongodb',
      operation: 'find',
    });
    const redisCommands = await counter(polystore.cart.metrics, 'store_commands_total', { store: 'redis' });
    const res = await browser.gql(CART);
    expect(res.errors).toBeUndefined();
    expect(res.data!['cart']).toEqual({
      totalQuantity: 6,
      items: [
        { quantity: 2, product: { name: a.name, price: { amount: a.amount, currency: 'EUR' } } },
        { quantity: 1, product: { name: b.name, price: { amount: b.amount, currency: 'EUR' } } },
        { quantity: 3, product: { name: c.name, price: { amount: c.amount, currency: 'EUR' } } },
      ],
    });
    // The subtotal is the client's sum over current catalog prices (the cart keeps none: ADR 0005).
    const items = res.data!['cart'].items as { quantity: number; product: { price: { amount: number } } }[];
    expect(items.reduce((sum, i) => sum + i.quantity * i.product.price.amount, 0)).toBe(
      2 * a.amount + b.amount + 3 * c.amount,
    );
    // Counted where it happens: one _entities request to catalog for all three products, at most one
    // find on MongoDB (the product cache, written through at creation, usually answers), one script
    // call on Redis.
    expect(
      (await counter(polystore.catalog.metrics, 'graphql_entity_requests_total', { typename: 'Product' })) -
        entityFetches,
    ).toBe(1);
    expect(
      (await counter(polystore.catalog.metrics, 'store_commands_total', { store: 'mongodb', operation: 'find' })) -
        finds,
    ).toBeLessThanOrEqual(1);
    expect((await counter(polystore.cart.metrics, 'store_commands_total', { store: 'redis' })) - redisCommands).toBe(1);
  });

  it('cannot add an archived or unknown product, and the cart stays as it was', async () => {
    const browser = new Browser(polystore.url);
    expect((await browser.gql(ADD, { productId: products[0]!.id, quantity: 1 })).errors).toBeUndefined();
    const before = await cartKeysContent();
    expect(codes(await browser.gql(ADD, { productId: archivedId, quantity: 1 }))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await browser.gql(ADD, { productId: randomUUID(), quantity: 1 }))).toEqual(['NOT_FOUND']);
    expect(codes(await browser.gql(ADD, { productId: products[1]!.id, quantity: 0 }))).toEqual(['BAD_USER_INPUT']);
    expect(await cartKeysContent()).toEqual(before);
  });

  it('becomes the user cart on sign-in, and sign-out leaves an empty anonymous cart', async () => {
    const browser = new Browser(polystore.url);
    await browser.gql(ADD, { productId: products[2]!.id, quantity: 4 });
    const email = `cart-${randomUUID()}@example.com`;
    const password = 'a long enough secret';
    const signedUp = await browser.gql(`mutation($input: SignUpInput!) { signUp(input: $input) { id } }`, {
      input: { email, name: 'Cart Shopper', password },
    });
    expect(signedUp.errors).toBeUndefined();
    const signedIn = await browser.gql(`mutation($input: SignInInput!) { signIn(input: $input) { user { id } } }`, {
      input: { email, password },
    });
    expect(signedIn.errors).toBeUndefined();
    const res = await browser.gql(`query { cart { totalQuantity items { quantity product { name } } } }`);
    expect(res.data!['cart']).toEqual({
      totalQuantity: 4,
      items: [{ quantity: 4, product: { name: products[2]!.name } }],
    });
    expect((await browser.gql(`mutation { signOut }`)).errors).toBeUndefined();
    expect((await browser.gql(`query { cart { totalQuantity } }`)).data!['cart']).toEqual({ totalQuantity: 0 });
  });

  it('is out of reach of another browser', async () => {
    const owner = new Browser(polystore.url);
    await owner.gql(ADD, { productId: products[0]!.id, quantity: 2 });
    const stranger = new Browser(polystore.url);
    expect((await stranger.gql(`query { cart { totalQuantity } }`)).data!['cart']).toEqual({ totalQuantity: 0 });
    // A client-sent identity header changes nothing: identity comes only from the session.
    const forged = await stranger.gql(
      `query { cart { totalQuantity } }`,
      {},
      { 'x-polystore-identity': 'eyJyb2xlcyI6W119' },
    );
    expect(forged.data!['cart']).toEqual({ totalQuantity: 0 });
  });
});
