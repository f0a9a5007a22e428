import { randomUUID } from 'node:crypto';
import { AppError, counterValue, ErrorCode, type Identity } from '@polystore/platform';
import { codes, signedGql, TEST_SIGNING_SECRET, type GraphQLResponse } from '../../../test-support/graphql';
import { createTestKeySpace, type TestKeySpace } from '../../../test-support/redis';
import { createCart, type Cart } from '../src/app';
import type { ProductAvailability, ProductDirectory } from '../src/cart/product-directory';
import { loadCartConfig } from '../src/config';

// Against the stack's real Redis, as the service's own ACL user (`cart:*` only), under this file's
// own key prefix. The product directory (a call through the gateway to catalog) is the one fake:
// the catalog is not under test here; e2e/cart.e2e.test.ts goes through the real one.

const USER_TTL = 3600;
const ANONYMOUS_TTL = 1800;

const catalog = new Map<string, ProductAvailability>();
const UNAVAILABLE = randomUUID();
const products: ProductDirectory = {
  availability: async (id) => {
    if (id === UNAVAILABLE) throw new AppError(ErrorCode.SERVICE_UNAVAILABLE, 'catalog did not answer');
    return catalog.get(id) ?? 'MISSING';
  },
};
const newProduct = (status: ProductAvailability = 'ACTIVE') => {
  const id = randomUUID();
  catalog.set(id, status);
  return id;
};

let space: TestKeySpace;
const carts: Cart[] = [];
let url: string;
let url2: string;

async function start(overrides: Record<string, string> = {}): Promise<{ cart: Cart; url: string }> {
  const config = loadCartConfig({
    CART_REDIS_URL: space.url,
    CART_KEY_PREFIX: space.prefix,
    CART_SIGNING_SECRET: TEST_SIGNING_SECRET,
    CART_USER_TTL_SECONDS: String(USER_TTL),
    CART_ANONYMOUS_TTL_SECONDS: String(ANONYMOUS_TTL),
    LOG_LEVEL: 'silent',
    NODE_ENV: 'test',
    ...overrides,
  });
  const cart = await createCart(config, { products });
  carts.push(cart);
  return { cart, url: `http://127.0.0.1:${(await cart.server.listen(0, '127.0.0.1')).port}/graphql` };
}

beforeAll(async () => {
  space = await createTestKeySpace('cart', 'CART_REDIS_URL');
  url = (await start()).url;
  // A second instance on its own connection: concurrent requests really race in Redis.
  url2 = (await start()).url;
});

afterAll(async () => {
  await Promise.all(carts.map((c) => c.stop()));
  await space?.drop();
});

const session = (): Identity => ({ roles: [], sessionId: `test-session-${randomUUID()}` });
const user = (sessionId?: string): Identity => ({ roles: ['customer'], userId: randomUUID(), sessionId });

const CART_FIELDS = `id totalQuantity updatedAt expiresAt items { quantity addedAt product { id } }`;
const CART = `query Cart { cart { ${CART_FIELDS} } }`;
const ADD = `mutation Add($productId: ID!, $quantity: Int! = 1) { addToCart(productId: $productId, quantity: $quantity) { ${CART_FIELDS} } }`;
const UPDATE = `mutation Update($productId: ID!, $quantity: Int!) { updateCartItem(productId: $productId, quantity: $quantity) { ${CART_FIELDS} } }`;
const REMOVE = `mutation Remove($productId: ID!) { removeFromCart(productId: $productId) { ${CART_FIELDS} } }`;
const CLEAR = `mutation Clear { clearCart { ${CART_FIELDS} } }`;

interface CartJson {
  id: string;
  totalQuantity: number;
  updatedAt: string | null;
  expiresAt: string | null;
  items: { quantity: number; addedAt: string; product: { id: string } }[];
}

async function call(query: string, variables: Record<string, unknown>, identity: Identity, target = url) {
  return signedGql(target, query, variables, identity);
}
function cartOf(res: GraphQLResponse): CartJson {
  expect(res.errors).toBeUndefined();
  return Object.values(res.data!)[0] as CartJson;
}
const lines = (cart: CartJson) => cart.items.map((i) => [i.product.id, i.quantity]);
const add = async (identity: Identity, productId: string, quantity = 1) =>
  cartOf(await call(ADD, { productId, quantity }, identity));
const view = async (identity: Identity) => cartOf(await call(CART, {}, identity));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Every key under the prefix with its whole content: equal snapshots mean nothing was written. */
async function snapshot() {
  const out: Record<string, Record<string, string>> = {};
  for (const key of await space.keys()) out[key] = await space.redis.hgetall(key);
  return out;
}
async function onlyKey(): Promise<string> {
  const keys = await space.keys();
  expect(keys).toHaveLength(1);
  return keys[0]!;
}
const redisCommands = () => Promise.all(carts.map((c) => counterValue(c.metrics.registry, 'store_commands_total')));
const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

afterEach(async () => {
  const keys = await space.keys();
  if (keys.length) await space.redis.del(...keys);
});

describe('whose cart', () => {
  it('answers UNAUTHENTICATED without a session or a user, for the cart and every mutation, writing nothing', async () => {
    const p = newProduct();
    const anonymous: Identity = { roles: [] };
    for (const [query, variables] of [
      [CART, {}],
      [ADD, { productId: p }],
      [UPDATE, { productId: p, quantity: 2 }],
      [REMOVE, { productId: p }],
      [CLEAR, {}],
    ] as const) {
      expect(codes(await call(query, variables, anonymous))).toEqual(['UNAUTHENTICATED']);
    }
    expect(codes(await call(ADD, { productId: p }, { roles: [], sessionId: 's'.repeat(513) }))).toEqual([
      'UNAUTHENTICATED',
    ]);
    expect(codes(await call(ADD, { productId: p }, { roles: [], userId: 'not-a-uuid' }))).toEqual(['UNAUTHENTICATED']);
    expect(await space.keys()).toEqual([]);
  });

  it('gives a new session an empty cart that is not stored, with an id stable per owner', async () => {
    const viewer = session();
    const first = await view(viewer);
    expect(first).toMatchObject({ items: [], totalQuantity: 0, updatedAt: null, expiresAt: null });
    expect(first.id).toMatch(/^[0-9a-f-]{36}$/);
    expect((await view(viewer)).id).toBe(first.id);
    expect((await view(session())).id).not.toBe(first.id);
    expect(await space.keys()).toEqual([]);
  });

  it('keeps a signed-in user cart apart from session carts, and never puts the session id in a key', async () => {
    const p = newProduct();
    const anonymous = session();
    const signedIn = user();
    await add(anonymous, p, 2);
    await add(signedIn, p, 5);
    expect(lines(await view(anonymous))).toEqual([[p, 2]]);
    expect(lines(await view(signedIn))).toEqual([[p, 5]]);
    const keys = await space.keys();
    expect(keys).toEqual(
      [
        `${space.prefix}u:${signedIn.userId}`,
        expect.stringMatching(new RegExp(`^${space.prefix}s:[A-Za-z0-9_-]{43}$`)),
      ].sort(),
    );
    expect(keys.join()).not.toContain(anonymous.sessionId);
  });
});

describe('addToCart, updateCartItem, removeFromCart, clearCart', () => {
  it('adds products oldest first, sums quantities, and stores only ids, quantities and times', async () => {
    const viewer = session();
    const [p1, p2] = [newProduct(), newProduct()];
    const before = Date.now();
    const one = await add(viewer, p1);
    expect(lines(one)).toEqual([[p1, 1]]);
    await sleep(3);
    await add(viewer, p2, 3);
    const cart = await add(viewer, p1, 4);
    expect(lines(cart)).toEqual([
      [p1, 5],
      [p2, 3],
    ]);
    expect(cart.totalQuantity).toBe(8);
    expect(cart.id).toBe(one.id);
    expect(Date.parse(cart.updatedAt!)).toBeGreaterThanOrEqual(before);
    expect(Date.parse(cart.expiresAt!) - Date.parse(cart.updatedAt!)).toBeCloseTo(ANONYMOUS_TTL * 1000, -3);
    const stored = await space.redis.hgetall(await onlyKey());
    expect(stored).toEqual({
      u: String(Date.parse(cart.updatedAt!)),
      [`i:${p1}`]: `5:${Date.parse(cart.items[0]!.addedAt)}`,
      [`i:${p2}`]: `3:${Date.parse(cart.items[1]!.addedAt)}`,
    });
  });

  it('treats product ids case-insensitively: one line per product', async () => {
    const viewer = session();
    const p = newProduct();
    await add(viewer, p);
    expect(lines(await add(viewer, p.toUpperCase()))).toEqual([[p, 2]]);
  });

  it('sets a quantity, removes a product (idempotently) and deletes the cart once it is empty', async () => {
    const viewer = session();
    const [p1, p2] = [newProduct(), newProduct()];
    await add(viewer, p1);
    await sleep(3);
    await add(viewer, p2);
    expect(lines(cartOf(await call(UPDATE, { productId: p2, quantity: 7 }, viewer)))).toEqual([
      [p1, 1],
      [p2, 7],
    ]);
    expect(lines(cartOf(await call(REMOVE, { productId: p1 }, viewer)))).toEqual([[p2, 7]]);
    expect(lines(cartOf(await call(REMOVE, { productId: p1 }, viewer)))).toEqual([[p2, 7]]);
    const empty = cartOf(await call(REMOVE, { productId: p2 }, viewer));
    expect(empty).toMatchObject({ items: [], totalQuantity: 0, updatedAt: null, expiresAt: null });
    expect(await space.keys()).toEqual([]);
  });

  it('removes an archived product (only adding and updating need a product that is sold)', async () => {
    const viewer = session();
    const p = newProduct();
    await add(viewer, p);
    catalog.set(p, 'ARCHIVED');
    expect(codes(await call(UPDATE, { productId: p, quantity: 2 }, viewer))).toEqual(['BAD_USER_INPUT']);
    expect(lines(cartOf(await call(REMOVE, { productId: p }, viewer)))).toEqual([]);
  });

  it('clears the cart', async () => {
    const viewer = user();
    await add(viewer, newProduct(), 2);
    await add(viewer, newProduct(), 3);
    const cleared = cartOf(await call(CLEAR, {}, viewer));
    expect(cleared).toMatchObject({ items: [], totalQuantity: 0 });
    expect(await space.keys()).toEqual([]);
    expect(cartOf(await call(CLEAR, {}, viewer)).items).toEqual([]);
  });
});

describe('bad input writes nothing', () => {
  const active = newProduct();
  const archived = newProduct('ARCHIVED');
  const unknown = randomUUID();
  const inCart = newProduct();
  const notInCart = newProduct();

  // [what, operation, variables, code, field named in extensions.fields]
  const cases: [string, string, Record<string, unknown>, string, string | null][] = [
    ['quantity 0', ADD, { productId: active, quantity: 0 }, 'BAD_USER_INPUT', 'quantity'],
    ['quantity -1', ADD, { productId: active, quantity: -1 }, 'BAD_USER_INPUT', 'quantity'],
    ['quantity 100', ADD, { productId: active, quantity: 100 }, 'BAD_USER_INPUT', 'quantity'],
    ['quantity 1e9', ADD, { productId: active, quantity: 1e9 }, 'BAD_USER_INPUT', 'quantity'],
    ['quantity 1e10 (not an Int)', ADD, { productId: active, quantity: 1e10 }, 'BAD_USER_INPUT', null],
    ['quantity 2.5', ADD, { productId: active, quantity: 2.5 }, 'BAD_USER_INPUT', null],
    ['a quantity that takes the cart over 99', ADD, { productId: inCart, quantity: 90 }, 'BAD_USER_INPUT', 'quantity'],
    ['a malformed product id', ADD, { productId: 'nope' }, 'BAD_USER_INPUT', 'productId'],
    ['an empty product id', ADD, { productId: '' }, 'BAD_USER_INPUT', 'productId'],
    ['a key-like product id', ADD, { productId: `${active}:x` }, 'BAD_USER_INPUT', 'productId'],
    ['an oversized product id', ADD, { productId: 'x'.repeat(100_000) }, 'BAD_USER_INPUT', 'productId'],
    ['an unknown product', ADD, { productId: unknown }, 'NOT_FOUND', null],
    ['an archived product', ADD, { productId: archived }, 'BAD_USER_INPUT', 'productId'],
    ['an unreachable catalog', ADD, { productId: UNAVAILABLE }, 'SERVICE_UNAVAILABLE', null],
    ['update to 0', UPDATE, { productId: inCart, quantity: 0 }, 'BAD_USER_INPUT', 'quantity'],
    ['update to 100', UPDATE, { productId: inCart, quantity: 100 }, 'BAD_USER_INPUT', 'quantity'],
    ['update to -1', UPDATE, { productId: inCart, quantity: -1 }, 'BAD_USER_INPUT', 'quantity'],
    ['update to 1e9', UPDATE, { productId: inCart, quantity: 1e9 }, 'BAD_USER_INPUT', 'quantity'],
    ['update of a product not in the cart', UPDATE, { productId: notInCart, quantity: 2 }, 'NOT_FOUND', null],
    ['update of an unknown product', UPDATE, { productId: unknown, quantity: 2 }, 'NOT_FOUND', null],
    ['update of an archived product', UPDATE, { productId: archived, quantity: 2 }, 'BAD_USER_INPUT', 'productId'],
    ['update with a malformed id', UPDATE, { productId: 'drop', quantity: 2 }, 'BAD_USER_INPUT', 'productId'],
    [
      'update with an oversized id',
      UPDATE,
      { productId: '9'.repeat(10_000), quantity: 2 },
      'BAD_USER_INPUT',
      'productId',
    ],
    ['remove with a malformed id', REMOVE, { productId: '*' }, 'BAD_USER_INPUT', 'productId'],
    ['remove with an oversized id', REMOVE, { productId: 'y'.repeat(100_000) }, 'BAD_USER_INPUT', 'productId'],
  ];

  it.each(cases)(
    'rejects %s with a coded error, leaving the cart and its TTL untouched',
    async (_what, query, variables, code, field) => {
      const viewer = session();
      await add(viewer, inCart, 10);
      const key = await onlyKey();
      await space.redis.pexpire(key, 100_000); // well below the TTL: a refresh would show
      const before = await snapshot();
      const res = await call(query, variables, viewer);
      expect(codes(res)).toEqual([code]);
      if (field)
        expect((res.errors![0]!.extensions!['fields'] as { field: string }[]).map((f) => f.field)).toEqual([field]);
      expect(await snapshot()).toEqual(before);
      expect(await space.redis.pttl(key)).toBeLessThanOrEqual(100_000);
    },
  );

  it('names every bad argument at once', async () => {
    const res = await call(ADD, { productId: 'nope', quantity: 0 }, session());
    expect((res.errors![0]!.extensions!['fields'] as { field: string }[]).map((f) => f.field).sort()).toEqual([
      'productId',
      'quantity',
    ]);
    expect(await space.keys()).toEqual([]);
  });
});

describe('expiry', () => {
  it('gives a user cart the user TTL and an anonymous cart the anonymous TTL', async () => {
    const anonymous = session();
    const signedIn = user();
    await add(anonymous, newProduct());
    await add(signedIn, newProduct());
    const userKey = `${space.prefix}u:${signedIn.userId}`;
    const sessionKey = (await space.keys()).find((k) => k !== userKey)!;
    expect(await space.redis.ttl(userKey)).toBeGreaterThan(USER_TTL - 5);
    expect(await space.redis.ttl(userKey)).toBeLessThanOrEqual(USER_TTL);
    expect(await space.redis.ttl(sessionKey)).toBeGreaterThan(ANONYMOUS_TTL - 5);
    expect(await space.redis.ttl(sessionKey)).toBeLessThanOrEqual(ANONYMOUS_TTL);
  });

  it('refreshes the TTL on every use, reads included', async () => {
    const viewer = session();
    await add(viewer, newProduct());
    const key = await onlyKey();
    await space.redis.pexpire(key, 10_000);
    const read = await view(viewer);
    expect(await space.redis.pttl(key)).toBeGreaterThan((ANONYMOUS_TTL - 5) * 1000);
    expect(Date.parse(read.expiresAt!)).toBeGreaterThan(Date.now() + (ANONYMOUS_TTL - 5) * 1000);
    await space.redis.pexpire(key, 10_000);
    await call(UPDATE, { productId: read.items[0]!.product.id, quantity: 3 }, viewer);
    expect(await space.redis.pttl(key)).toBeGreaterThan((ANONYMOUS_TTL - 5) * 1000);
  });

  it('forgets a cart left unused past its TTL', async () => {
    const viewer = session();
    await add(viewer, newProduct());
    await space.redis.pexpire(await onlyKey(), 20);
    await sleep(100);
    expect((await view(viewer)).items).toEqual([]);
  });
});

describe('signing in merges the anonymous cart into the user cart', () => {
  it('sums shared products (capped at 99), keeps each addedAt, takes the user TTL and deletes the anonymous cart', async () => {
    const anonymous = session();
    const [p1, p2, p3] = [newProduct(), newProduct(), newProduct()];
    await add(anonymous, p1, 2);
    await sleep(3);
    await add(anonymous, p2, 98);
    await sleep(3);
    const signedIn = user(anonymous.sessionId);
    const alone: Identity = { roles: ['customer'], userId: signedIn.userId }; // the user before this session
    await add(alone, p2, 5);
    await sleep(3);
    await add(alone, p3, 1);
    const userAddedAt = (await view(alone)).items[0]!.addedAt;
    const anonymousAddedAt = (await view(anonymous)).items[0]!.addedAt;
    expect(await space.keys()).toHaveLength(2);

    const merged = await view(signedIn);
    expect(lines(merged)).toEqual([
      [p1, 2],
      [p2, 99],
      [p3, 1],
    ]);
    expect(merged.items.map((i) => i.addedAt)).toEqual([anonymousAddedAt, userAddedAt, expect.any(String)]);
    const userKey = `${space.prefix}u:${signedIn.userId}`;
    expect(await space.keys()).toEqual([userKey]);
    expect(await space.redis.ttl(userKey)).toBeGreaterThan(USER_TTL - 5);
    // Done once: the session's cart is gone, the user's stays as merged.
    expect(lines(await view(signedIn))).toEqual(lines(merged));
    expect((await view(anonymous)).items).toEqual([]);
  });

  it('merges on the first mutation too, atomically with it', async () => {
    const anonymous = session();
    const [p1, p2] = [newProduct(), newProduct()];
    await add(anonymous, p1, 1);
    await sleep(3);
    const signedIn = user(anonymous.sessionId);
    expect(lines(await add(signedIn, p2, 2))).toEqual([
      [p1, 1],
      [p2, 2],
    ]);
    expect(await space.keys()).toEqual([`${space.prefix}u:${signedIn.userId}`]);
  });

  it('writes nothing, the merge included, when the request is rejected', async () => {
    const anonymous = session();
    const p = newProduct();
    await add(anonymous, p, 1);
    const signedIn = user(anonymous.sessionId);
    const before = await snapshot();
    // Rejected by the atomic script itself, after it has read both carts.
    expect(codes(await call(UPDATE, { productId: newProduct(), quantity: 2 }, signedIn))).toEqual(['NOT_FOUND']);
    expect(codes(await call(ADD, { productId: p, quantity: 99 }, signedIn))).toEqual(['BAD_USER_INPUT']);
    expect(await snapshot()).toEqual(before);
    expect(lines(await view(signedIn))).toEqual([[p, 1]]);
  });

  it('adds anonymous products oldest first while the cart has room, and drops the rest', async () => {
    const small = await start({ CART_MAX_ITEMS: '3' });
    const anonymous = session();
    const signedIn = user(anonymous.sessionId);
    const alone: Identity = { roles: ['customer'], userId: signedIn.userId };
    const [a, b, c, d] = [newProduct(), newProduct(), newProduct(), newProduct()];
    for (const [who, p] of [
      [anonymous, c],
      [anonymous, d],
      [anonymous, a],
      [alone, a],
      [alone, b],
    ] as const) {
      cartOf(await call(ADD, { productId: p, quantity: 1 }, who, small.url));
      await sleep(3);
    }
    const merged = cartOf(await call(CART, {}, signedIn, small.url));
    // a is in both (summed); c is the oldest anonymous-only product and fills the third place; d is dropped.
    expect(lines(merged)).toEqual([
      [c, 1],
      [a, 2],
      [b, 1],
    ]);
    expect(await space.keys()).toEqual([`${space.prefix}u:${signedIn.userId}`]);
  });
});

describe('concurrent updates of one cart', () => {
  it('lose nothing: 50 different products and 40 increments of one, in parallel over two connections', async () => {
    const viewer = session();
    const distinct = Array.from({ length: 50 }, () => newProduct());
    const hot = newProduct();
    const requests = [
      ...distinct.map((p, i) => call(ADD, { productId: p, quantity: 1 + (i % 3) }, viewer, i % 2 ? url : url2)),
      ...Array.from({ length: 40 }, (_, i) => call(ADD, { productId: hot, quantity: 1 }, viewer, i % 2 ? url2 : url)),
    ];
    const results = await Promise.all(requests);
    expect(results.flatMap((r) => r.errors ?? [])).toEqual([]);
    const cart = await view(viewer);
    expect(cart.items).toHaveLength(51);
    expect(new Map(lines(cart) as [string, number][])).toEqual(
      new Map([...distinct.map((p, i) => [p, 1 + (i % 3)] as [string, number]), [hot, 40]]),
    );
    expect(cart.totalQuantity).toBe(distinct.reduce((s, _p, i) => s + 1 + (i % 3), 0) + 40);
  });

  it('never pass the quantity cap: 60 parallel +2 on one product leave exactly 98, 49 accepted', async () => {
    const viewer = session();
    const p = newProduct();
    const results = await Promise.all(
      Array.from({ length: 60 }, (_, i) => call(ADD, { productId: p, quantity: 2 }, viewer, i % 2 ? url : url2)),
    );
    expect(results.filter((r) => !r.errors).length).toBe(49);
    expect(results.filter((r) => r.errors).map((r) => codes(r)[0])).toEqual(Array(11).fill('BAD_USER_INPUT'));
    expect(lines(await view(viewer))).toEqual([[p, 98]]);
  });

  it('never pass the product limit: 110 parallel different products leave exactly 100', async () => {
    const viewer = session();
    const many = Array.from({ length: 110 }, () => newProduct());
    const results = await Promise.all(many.map((p, i) => call(ADD, { productId: p }, viewer, i % 2 ? url : url2)));
    expect(results.filter((r) => !r.errors).length).toBe(100);
    const refused = results.filter((r) => r.errors);
    expect(refused.map((r) => r.errors![0]!.extensions!['fields'])).toEqual(
      Array(10).fill([{ field: 'productId', message: 'the cart is full' }]),
    );
    const cart = await view(viewer);
    expect(cart.items).toHaveLength(100);
    const accepted = new Set(many.filter((_p, i) => !results[i]!.errors));
    expect(new Set(cart.items.map((i) => i.product.id))).toEqual(accepted);
  });
});

describe('store round trips', () => {
  async function commandsFor(query: string, variables: Record<string, unknown>, identity: Identity) {
    const before = sum(await redisCommands());
    const res = await call(query, variables, identity);
    expect(res.errors).toBeUndefined();
    return sum(await redisCommands()) - before;
  }

  it('cost one Redis command per request, whether the cart holds 1 item or 20', async () => {
    const small = session();
    const large = session();
    await add(small, newProduct());
    for (let i = 0; i < 20; i++) await add(large, newProduct());
    await view(small); // every connection has loaded the script
    expect(await commandsFor(CART, {}, small)).toBe(1);
    expect(await commandsFor(CART, {}, large)).toBe(1);
    expect(await commandsFor(ADD, { productId: newProduct() }, small)).toBe(1);
    expect(await commandsFor(ADD, { productId: newProduct() }, large)).toBe(1);
    expect(await commandsFor(`query { a: cart { totalQuantity } b: cart { items { quantity } } }`, {}, large)).toBe(1);
    const merging = user(large.sessionId);
    expect(await commandsFor(CART, {}, merging)).toBe(1); // the merge rides in the same script
    expect((await view(merging)).items).toHaveLength(21);
  });
});
