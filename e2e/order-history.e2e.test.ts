import { counterValue, type ServiceMetrics } from '@polystore/platform';
import { codes, gql } from '../test-support/graphql';
import { Browser } from './support/browser';
import { startPolystore, type RunningPolystore } from './support/polystore';
import { createStaff } from './support/staff';

// A customer's order history through the gateway: accounts (the user) → orders (orders and their
// lines) → catalog (each line's product as it is now) and payments (each order's payment), joined
// by the gateway's query plan, with one store round trip per subgraph whatever the history's length.
let polystore: RunningPolystore;
/** Writes the catalog (staff only). */
let staff: Browser;
const productIds: string[] = [];

beforeAll(async () => {
  // The catalog's product cache off: the round-trip counts below look at the stores themselves.
  polystore = await startPolystore({ catalog: { PRODUCT_CACHE_L1_SECONDS: '0', CATALOG_REDIS_URL: undefined } });
  staff = await (await createStaff(polystore)).signIn();
  const category = await staff.gql(`mutation { createCategory(input: { slug: "lamps", name: "Lamps" }) { slug } }`);
  expect(category.errors).toBeUndefined();
  for (const [i, name] of ['Arc Lamp', 'Desk Lamp', 'Paper Lantern', 'Floor Lamp'].entries()) {
    const created = await staff.gql(`mutation($input: CreateProductInput!) { createProduct(input: $input) { id } }`, {
      input: {
        sku: `LAMP-${i}`,
        name,
        price: { amount: 1000 * (i + 1), currency: 'EUR' },
        category: 'lamps',
        stock: 500,
      },
    });
    expect(created.errors).toBeUndefined();
    productIds.push(created.data!['createProduct'].id);
  }
});
afterAll(async () => {
  await polystore?.stop();
});

/** A customer: signed up and signed in through the gateway, in a browser of their own. */
interface Customer {
  id: string;
  browser: Browser;
}

const call = (query: string, variables: Record<string, unknown>, customer?: Customer) =>
  customer ? customer.browser.gql(query, variables) : gql(polystore.url, query, variables);

async function signUp(email: string): Promise<Customer> {
  const browser = new Browser(polystore.url);
  const input = { email, name: email.split('@')[0], password: 'a long enough secret' };
  const res = await browser.gql(`mutation($input: SignUpInput!) { signUp(input: $input) { id } }`, { input });
  expect(res.errors).toBeUndefined();
  const signedIn = await browser.gql(`mutation($input: SignInInput!) { signIn(input: $input) { user { id } } }`, {
    input: { email: input.email, password: input.password },
  });
  expect(signedIn.errors).toBeUndefined();
  return { id: res.data!['signUp'].id, browser };
}

/** Place an order of three products through the gateway and pay for it with the success test card. */
async function placeAndPay(customer: Customer, n: number): Promise<{ id: string; number: string }> {
  const order = await call(
    `mutation($input: CreateOrderInput!) { createOrder(input: $input) { id number checkoutToken } }`,
    {
      input: {
        lines: [
          { productId: productIds[n % 4], quantity: 1 },
          { productId: productIds[(n + 1) % 4], quantity: 2 },
          { productId: productIds[(n + 2) % 4], quantity: 3 },
        ],
      },
    },
    customer,
  );
  expect(order.errors).toBeUndefined();
  const { id, number, checkoutToken } = order.data!['createOrder'];
  const paid = await call(
    `mutation($input: AuthorizePaymentInput!) { authorizePayment(input: $input) { status } }`,
    {
      input: {
        orderId: id,
        checkoutToken,
        card: { number: '4242424242424242', expMonth: 12, expYear: new Date().getUTCFullYear() + 1, cvc: '123' },
        idempotencyKey: `pay-${id}`,
      },
    },
    customer,
  );
  expect(paid.data).toEqual({ authorizePayment: { status: 'AUTHORIZED' } });
  return { id, number };
}

const HISTORY = `query OrderHistory($first: Int) {
  me {
    name
    orders(first: $first) {
      edges { node {
        number status total { amount currency }
        lines { name quantity product { name } }
        payment { status }
      } }
    }
  }
}`;

describe("a customer's order history", () => {
  it('joins accounts, orders, catalog and payments in one query', async () => {
    const ada = await signUp('ada@example.com');
    const first = await placeAndPay(ada, 0);
    const second = await placeAndPay(ada, 1);
    // The catalog renames a product: the order keeps the name it was sold under, the product shows its new one.
    const renamed = await staff.gql(
      `mutation($id: ID!) { updateProduct(id: $id, input: { name: "Arc Lamp II" }) { name } }`,
      { id: productIds[0] },
    );
    expect(renamed.errors).toBeUndefined();

    const res = await call(HISTORY, { first: 10 }, ada);
    expect(res.errors).toBeUndefined();
    expect(res.data!['me']).toEqual({
      name: 'ada',
      orders: {
        edges: [
          {
            node: {
              number: second.number,
              status: 'PENDING_PAYMENT',
              total: { amount: 1 * 2000 + 2 * 3000 + 3 * 4000, currency: 'EUR' },
              lines: [
                { name: 'Desk Lamp', quantity: 1, product: { name: 'Desk Lamp' } },
                { name: 'Paper Lantern', quantity: 2, product: { name: 'Paper Lantern' } },
                { name: 'Floor Lamp', quantity: 3, product: { name: 'Floor Lamp' } },
              ],
              payment: { status: 'AUTHORIZED' },
            },
          },
          {
            node: {
              number: first.number,
              status: 'PENDING_PAYMENT',
              total: { amount: 1 * 1000 + 2 * 2000 + 3 * 3000, currency: 'EUR' },
              lines: [
                { name: 'Arc Lamp', quantity: 1, product: { name: 'Arc Lamp II' } },
                { name: 'Desk Lamp', quantity: 2, product: { name: 'Desk Lamp' } },
                { name: 'Paper Lantern', quantity: 3, product: { name: 'Paper Lantern' } },
              ],
              payment: { status: 'AUTHORIZED' },
            },
          },
        ],
      },
    });
  });

  it("is the customer's alone: another customer gets FORBIDDEN for the user and NOT_FOUND for an order", async () => {
    const owner = await signUp('owner@example.com');
    const other = await signUp('other@example.com');
    const { id } = await placeAndPay(owner, 2);
    const list = await call(
      `query($id: ID!) { user(id: $id) { name orders(first: 10) { edges { node { number } } } } }`,
      { id: owner.id },
      other,
    );
    expect(codes(list)).toEqual(['FORBIDDEN']);
    expect(list.data!['user']).toBeNull();
    const order = await call(`query($id: ID!) { order(id: $id) { number payment { status } } }`, { id }, other);
    expect(codes(order)).toEqual(['NOT_FOUND']);
    const signedOut = await call(`query($id: ID!) { order(id: $id) { number } }`, { id });
    expect(codes(signedOut)).toEqual(['UNAUTHENTICATED']);
  });

  it('refuses, through the real catalog, a product it does not have or no longer sells, writing nothing', async () => {
    const buyer = await signUp('buyer@example.com');
    const archived = await staff.gql(`mutation($input: CreateProductInput!) { createProduct(input: $input) { id } }`, {
      input: { sku: 'LAMP-OLD', name: 'Old Lamp', price: { amount: 500, currency: 'EUR' }, category: 'lamps' },
    });
    const archivedId = archived.data!['createProduct'].id;
    await staff.gql(`mutation($id: ID!) { updateProduct(id: $id, input: { status: ARCHIVED }) { status } }`, {
      id: archivedId,
    });
    const ordersBefore = await counterValue(polystore.orders.metrics.registry, 'store_commands_total', {
      operation: 'INSERT',
    });
    const place = (productId: string) =>
      call(
        `mutation($input: CreateOrderInput!) { createOrder(input: $input) { id } }`,
        {
          input: {
            lines: [
              { productId: productIds[0], quantity: 1 },
              { productId, quantity: 1 },
            ],
          },
        },
        buyer,
      );
    expect(codes(await place('0190a0b0-0000-7000-8000-0000000000ff'))).toEqual(['NOT_FOUND']);
    const gone = await place(archivedId);
    expect(codes(gone)).toEqual(['BAD_USER_INPUT']);
    expect(gone.errors![0]!.extensions!['fields']).toEqual([
      { field: 'input.lines.1.productId', message: 'is no longer sold' },
    ]);
    expect(await counterValue(polystore.orders.metrics.registry, 'store_commands_total', { operation: 'INSERT' })).toBe(
      ordersBefore,
    );
    const history = await call(HISTORY, { first: 10 }, buyer);
    expect(history.data!['me'].orders.edges).toEqual([]);
  });

  it('costs the same round trips per subgraph for 5 orders as for 50 (no N+1)', async () => {
    const few = await signUp('few@example.com');
    const many = await signUp('many@example.com');
    for (let n = 0; n < 5; n++) await placeAndPay(few, n);
    for (let n = 0; n < 50; n += 5) await Promise.all([0, 1, 2, 3, 4].map((i) => placeAndPay(many, n + i)));
    const subgraphs = {
      accounts: polystore.accounts,
      orders: polystore.orders,
      catalog: polystore.catalog,
      payments: polystore.payments,
    };
    const snapshot = async () => {
      const out: Record<string, { store: number; entities: number }> = {};
      for (const [name, s] of Object.entries(subgraphs)) {
        const metrics: ServiceMetrics = s.metrics;
        out[name] = {
          store: await counterValue(metrics.registry, 'store_commands_total'),
          entities: await counterValue(metrics.registry, 'graphql_entity_requests_total'),
        };
      }
      return out;
    };
    const cost = async (customer: Customer, expectedOrders: number) => {
      const before = await snapshot();
      const res = await call(HISTORY, { first: 50 }, customer);
      expect(res.errors).toBeUndefined();
      const edges = res.data!['me'].orders.edges;
      expect(edges).toHaveLength(expectedOrders);
      for (const { node } of edges) {
        expect(node.lines).toHaveLength(3);
        expect(node.payment).toEqual({ status: 'AUTHORIZED' });
      }
      const after = await snapshot();
      return Object.fromEntries(
        Object.keys(subgraphs).map((name) => [
          name,
          { store: after[name]!.store - before[name]!.store, entities: after[name]!.entities - before[name]!.entities },
        ]),
      );
    };
    const five = await cost(few, 5);
    const fifty = await cost(many, 50);
    expect(fifty).toEqual(five);
    // Counted, not assumed: accounts reads the user; orders its orders and all their lines; catalog
    // every product in one find; payments every order's payment in one query; one entity fetch
    // per subgraph the plan reaches through a reference.
    expect(five).toEqual({
      accounts: { store: 1, entities: 0 },
      orders: { store: 2, entities: 1 },
      catalog: { store: 1, entities: 1 },
      payments: { store: 1, entities: 1 },
    });
  }, 60_000);
});
