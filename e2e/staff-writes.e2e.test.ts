import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { Role } from '@polystore/platform';
import { loadGatewayConfig } from '../gateway/src/config';
import { createGateway, type Gateway } from '../gateway/src/gateway';
import { loadPersistedOperations } from '../gateway/src/plugins/persisted-operations';
import { createRoleService } from '../subgraphs/accounts/src/role/role.service';
import { codes } from '../test-support/graphql';
import { Browser } from './support/browser';
import { startPolystore, type RunningPolystore } from './support/polystore';
import { createStaff, signInCustomer, type StaffUser } from './support/staff';

// Every write that is not a customer's own action is staff only, checked by the service that owns
// the data: whatever the gateway's mode lets through, an anonymous caller gets UNAUTHENTICATED, a
// signed-in customer FORBIDDEN, and the store is left exactly as it was; a staff user's write
// lands. Through the gateway in development (ad hoc operations allowed), in production with the
// safelist required (the staff operations of schema/operations/staff.graphql, sent by hash), and
// in production with PERSISTED_OPERATIONS=apq (ad hoc operations allowed again).
const operations = new Map(
  [...loadPersistedOperations(path.join(__dirname, '..', 'schema', 'operations')).values()].map((o) => [o.name, o]),
);
const STAFF_OPERATIONS = ['CreateCategory', 'CreateProduct', 'UpdateProduct', 'CapturePayment', 'RefundPayment'];

interface Mode {
  name: string;
  gateway: Record<string, string>;
  /** Send safelisted operations by hash (as production clients do), else as ad hoc text that is on no list. */
  byHash: boolean;
}

const MODES: Mode[] = [
  { name: 'development', gateway: {}, byHash: false },
  {
    name: 'production, PERSISTED_OPERATIONS=require',
    gateway: { NODE_ENV: 'production', COOKIE_SECURE: 'true', PERSISTED_OPERATIONS: 'require' },
    byHash: true,
  },
  {
    name: 'production, PERSISTED_OPERATIONS=apq',
    gateway: { NODE_ENV: 'production', COOKIE_SECURE: 'true', PERSISTED_OPERATIONS: 'apq' },
    byHash: false,
  },
];

interface Result {
  status: number;
  data?: any;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

/** A safelisted operation, by its hash or as ad hoc text (renamed, so no list holds it). */
async function send(browser: Browser, mode: Mode, name: string, variables: Record<string, unknown>): Promise<Result> {
  const operation = operations.get(name);
  if (!operation) throw new Error(`no operation ${name} in schema/operations`);
  const body = mode.byHash
    ? { variables, extensions: { persistedQuery: { version: 1, sha256Hash: operation.hash } } }
    : { query: operation.body.replace(new RegExp(`\\b${name}\\b`), `AdHoc${name}`), variables };
  const response = await browser.fetch({
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, ...((await response.json()) as object) };
}

async function ok(result: Promise<Result>, what: string): Promise<any> {
  const { status, data, errors } = await result;
  if (status !== 200 || errors) throw new Error(`${what}: HTTP ${status} ${JSON.stringify(errors)}`);
  return data;
}

let polystore: RunningPolystore;
let staffUser: StaffUser;
const extraGateways: Gateway[] = [];

beforeAll(async () => {
  polystore = await startPolystore();
  staffUser = await createStaff(polystore);
  // the category every mode's products go in
  const staff = await staffUser.signIn();
  await ok(send(staff, MODES[0]!, 'CreateCategory', { input: { slug: 'lamps', name: 'Lamps' } }), 'category');
}, 60_000);

afterAll(async () => {
  await Promise.all(extraGateways.map((g) => g.stop()));
  await polystore?.stop();
});

/** The catalog's store, read directly (MongoDB), not through any API or cache. */
async function catalogStore() {
  const db = polystore.catalog.connection.db!;
  return {
    categories: await db.collection('categories').find({}).sort({ _id: 1 }).toArray(),
    products: await db.collection('products').find({}).sort({ _id: 1 }).toArray(),
  };
}

/** One payment, its refunds and the whole idempotency ledger, read from payments' PostgreSQL. */
async function paymentsStore(paymentId: string) {
  const db = polystore.payments.db;
  return {
    payment: await db.payment.findUnique({ where: { id: paymentId } }),
    refunds: await db.refund.findMany({ where: { paymentId } }),
    ledger: await db.idempotencyKey.findMany({ orderBy: [{ callerId: 'asc' }, { key: 'asc' }] }),
  };
}

describe.each(MODES)('staff-only writes through the gateway in $name', (mode) => {
  let url: string;
  let anonymous: Browser;
  let customer: { id: string; browser: Browser };
  let staff: Browser;
  const tag = mode.name
    .replace(/[^a-z]+/g, '-')
    .replace(/-$/, '')
    .toUpperCase();

  beforeAll(async () => {
    if (mode.name === 'development') {
      url = polystore.url;
    } else {
      const gateway = await createGateway(loadGatewayConfig({ ...polystore.gatewayEnv, ...mode.gateway }));
      extraGateways.push(gateway);
      url = `http://127.0.0.1:${(await gateway.listen(0, '127.0.0.1')).port}/graphql`;
    }
    anonymous = new Browser(url);
    customer = await signInCustomer(url, `customer-${tag.toLowerCase()}@example.com`);
    staff = await staffUser.signIn(url);
  });

  /** Anonymous → UNAUTHENTICATED, customer → FORBIDDEN, and the store read back is unchanged. */
  async function refusedToAllButStaff(
    name: string,
    variables: () => Record<string, unknown>,
    store: () => Promise<unknown>,
  ): Promise<void> {
    const before = await store();
    for (const [who, browser, code] of [
      ['anonymous', anonymous, 'UNAUTHENTICATED'],
      ['customer', customer.browser, 'FORBIDDEN'],
    ] as const) {
      const res = await send(browser, mode, name, variables());
      expect([who, res.status, codes(res)]).toEqual([who, 200, [code]]);
      expect(res.data).toBeNull();
    }
    expect(await store()).toEqual(before);
  }

  let productId: string;
  let paymentId: string;

  it('createCategory', async () => {
    const input = { slug: `shelves-${tag.toLowerCase()}`, name: 'Shelves' };
    await refusedToAllButStaff('CreateCategory', () => ({ input }), catalogStore);
    const created = await ok(send(staff, mode, 'CreateCategory', { input }), 'staff createCategory');
    expect(created.createCategory).toMatchObject({ slug: input.slug, name: 'Shelves' });
    expect((await catalogStore()).categories.map((c) => c['_id'])).toContain(input.slug);
  });

  it('createProduct', async () => {
    const input = {
      sku: `LAMP-${tag}`,
      name: 'Arc Lamp',
      price: { amount: 5000, currency: 'EUR' },
      category: 'lamps',
      stock: 10,
    };
    await refusedToAllButStaff('CreateProduct', () => ({ input }), catalogStore);
    const created = await ok(send(staff, mode, 'CreateProduct', { input }), 'staff createProduct');
    expect(created.createProduct).toMatchObject({ sku: input.sku, price: { amount: 5000 }, stock: 10, version: 1 });
    productId = created.createProduct.id;
    expect((await catalogStore()).products.map((p) => p['sku'])).toContain(input.sku);
  });

  it('updateProduct', async () => {
    // the tampering the issue saw: price 1, stock 0
    const tamper = { id: productId, input: { price: { amount: 1, currency: 'EUR' }, stock: 0 } };
    const product = () => polystore.catalog.connection.db!.collection('products').findOne({ _id: productId as never });
    await refusedToAllButStaff(
      'UpdateProduct',
      () => tamper,
      async () => ({ all: await catalogStore(), product: await product() }),
    );
    expect(await product()).toMatchObject({ price: { amount: 5000 }, stock: 10, version: 1 });
    const updated = await ok(
      send(staff, mode, 'UpdateProduct', { id: productId, input: { price: { amount: 4500, currency: 'EUR' } } }),
      'staff updateProduct',
    );
    expect(updated.updateProduct).toMatchObject({ price: { amount: 4500 }, stock: 10, version: 2 });
    expect(await product()).toMatchObject({ price: { amount: 4500 }, version: 2 });
  });

  it("capturePayment (even the payment's own customer may not)", async () => {
    const placed = await ok(
      send(customer.browser, mode, 'PlaceOrder', { input: { lines: [{ productId, quantity: 2 }] } }),
      'place order',
    );
    const authorized = await ok(
      send(customer.browser, mode, 'PayOrder', {
        input: {
          orderId: placed.createOrder.id,
          checkoutToken: placed.createOrder.checkoutToken,
          idempotencyKey: randomUUID(),
          card: { number: '4242424242424242', expMonth: 12, expYear: new Date().getUTCFullYear() + 2, cvc: '123' },
        },
      }),
      'authorize',
    );
    paymentId = authorized.authorizePayment.id;
    expect(authorized.authorizePayment.status).toBe('AUTHORIZED');
    await refusedToAllButStaff(
      'CapturePayment',
      () => ({ input: { paymentId, idempotencyKey: randomUUID() } }),
      () => paymentsStore(paymentId),
    );
    expect((await paymentsStore(paymentId)).payment).toMatchObject({ status: 'AUTHORIZED', capturedAmount: 0 });
    const captured = await ok(
      send(staff, mode, 'CapturePayment', { input: { paymentId, idempotencyKey: randomUUID() } }),
      'staff capture',
    );
    expect(captured.capturePayment).toMatchObject({ status: 'CAPTURED', capturedAmount: { amount: 9000 } });
    expect((await paymentsStore(paymentId)).payment).toMatchObject({ status: 'CAPTURED', capturedAmount: 9000 });
  });

  it('refundPayment', async () => {
    const refund = () => ({
      input: { paymentId, amount: { amount: 1000, currency: 'EUR' }, reason: 'damaged', idempotencyKey: randomUUID() },
    });
    await refusedToAllButStaff('RefundPayment', refund, () => paymentsStore(paymentId));
    expect((await paymentsStore(paymentId)).refunds).toEqual([]);
    const refunded = await ok(send(staff, mode, 'RefundPayment', refund()), 'staff refund');
    expect(refunded.refundPayment).toMatchObject({
      status: 'PARTIALLY_REFUNDED',
      refundedAmount: { amount: 1000 },
      refunds: [{ amount: { amount: 1000 }, status: 'SUCCEEDED', reason: 'damaged' }],
    });
    expect((await paymentsStore(paymentId)).payment).toMatchObject({ refundedAmount: 1000 });
  });
});

it('schema/operations/staff.graphql holds a named operation for every staff-only mutation', () => {
  const staffFile = [...operations.values()].filter((o) => o.file === 'staff.graphql');
  expect(staffFile.map((o) => o.name).sort()).toEqual([...STAFF_OPERATIONS].sort());
});

describe('a role granted or revoked while the user is signed in', () => {
  const CATEGORY = (slug: string) => ({ input: { slug, name: slug } });
  const development = MODES[0]!;
  const roles = () => createRoleService(polystore.accounts.db);
  /** What a browser does once the access token's Max-Age has passed: it stops sending the cookie. */
  const tokenExpires = (browser: Browser) => expect(browser.cookies.delete('ps_access')).toBe(true);

  it('a revoke takes effect at the next access-token refresh: the session goes on, as a customer', async () => {
    const { id, browser } = await signInCustomer(polystore.url, 'revoked-staff@example.com');
    await roles().grant({ email: 'revoked-staff@example.com', role: Role.STAFF, actor: 'e2e' });
    tokenExpires(browser); // the grant too arrives with the next token
    expect((await send(browser, development, 'CreateCategory', CATEGORY('granted-1'))).errors).toBeUndefined();

    await roles().revoke({ email: 'revoked-staff@example.com', role: Role.STAFF, actor: 'e2e', reason: 'left' });
    // the token in hand still says staff: the decided bound is its lifetime (ACCESS_TOKEN_TTL_SECONDS)
    expect((await send(browser, development, 'CreateCategory', CATEGORY('granted-2'))).errors).toBeUndefined();

    tokenExpires(browser);
    const before = await catalogStore();
    const refused = await send(browser, development, 'CreateCategory', CATEGORY('revoked-1'));
    expect(codes(refused)).toEqual(['FORBIDDEN']);
    expect(await catalogStore()).toEqual(before);
    // still signed in, as the same user, with a fresh token
    expect(browser.cookies.has('ps_access')).toBe(true);
    const me = await browser.gql('{ me { id } }');
    expect(me.data).toEqual({ me: { id } });
  });

  it('a user signed in before the grant writes nothing until their token is refreshed', async () => {
    const { browser } = await signInCustomer(polystore.url, 'promoted@example.com');
    await roles().grant({ email: 'promoted@example.com', role: Role.STAFF, actor: 'e2e' });
    expect(codes(await send(browser, development, 'CreateCategory', CATEGORY('promoted-1')))).toEqual(['FORBIDDEN']);
    tokenExpires(browser);
    expect((await send(browser, development, 'CreateCategory', CATEGORY('promoted-2'))).errors).toBeUndefined();
  });
});
