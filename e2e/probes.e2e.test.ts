import { randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { counterValue, encodeIdentity, STRING_RULE_MESSAGES } from '@polystore/platform';
import { loadGatewayConfig } from '../gateway/src/config';
import { createGateway, type Gateway } from '../gateway/src/gateway';
import * as egress from '../test-support/egress-guard';
import { codes, STAFF, type GraphQLResponse } from '../test-support/graphql';
import { queryAs } from '../test-support/postgres';
import { Browser } from './support/browser';
import { PERSISTED, repeatWhile, sendOperation, type SentAs } from './support/operations';
import { takeDown, within } from './support/outage';
import { operationsServed, startPolystore, SUBGRAPHS, type RunningPolystore } from './support/polystore';
import { createStaff, signInCustomer, type StaffUser } from './support/staff';

jest.setTimeout(60_000);

// Issue 8's probe list replayed through the gateway, as a new user and as an attacker would send
// it: what held then still holds, and what did not now does. Each probe is sent once and its exact
// outcome asserted (HTTP status, error code, nothing written); the files named beside a probe test
// it in depth. Also here: the requests that got HTTP 5xx for a client's own mistake, and token
// checks while accounts is down before the gateway has its keys.
//
// One Polystore; its gateway in development (PERSISTED_OPERATIONS=apq), and two more gateways on
// the same subgraphs in production, one per safelist mode. Accounts allows more sign-ups per
// address than its default (20 an hour): every client here shares 127.0.0.1, and the sign-up
// bursts alone send 40 (the throttle itself: accounts' integration tests).

let polystore: RunningPolystore;
const extraGateways: Gateway[] = [];
let staffUser: StaffUser;
let staff: Browser;
let customer: { id: string; browser: Browser };
const productIds: string[] = [];
/** An authorized payment of the customer's, which no one but staff may capture or refund. */
let paymentId: string;

interface Mode {
  name: string;
  url: string;
  production: boolean;
  /** How its clients send the safelisted operations. */
  sentAs: SentAs;
}
const MODES: Record<'development' | 'require' | 'apq', Mode> = {
  development: { name: 'development', url: '', production: false, sentAs: 'ad hoc' },
  require: { name: 'production, PERSISTED_OPERATIONS=require', url: '', production: true, sentAs: 'hash' },
  apq: { name: 'production, PERSISTED_OPERATIONS=apq', url: '', production: true, sentAs: 'ad hoc' },
};

const PASSWORD = 'a long enough secret';
const CARD = { number: '4242424242424242', expMonth: 12, expYear: new Date().getUTCFullYear() + 2, cvc: '123' };
const PLACE_ORDER = 'mutation($input: CreateOrderInput!) { createOrder(input: $input) { id checkoutToken } }';
const AUTHORIZE = 'mutation($input: AuthorizePaymentInput!) { authorizePayment(input: $input) { id status } }';

async function startGateway(env: Record<string, string>): Promise<string> {
  const gateway = await createGateway(loadGatewayConfig({ ...polystore.gatewayEnv, ...env }));
  extraGateways.push(gateway);
  return `http://127.0.0.1:${(await gateway.listen(0, '127.0.0.1')).port}/graphql`;
}

async function must(res: Promise<GraphQLResponse<any>>, what: string): Promise<any> {
  const { status, data, errors } = await res;
  if (status !== 200 || errors) throw new Error(`${what}: HTTP ${status} ${JSON.stringify(errors)}`);
  return data;
}

/** An order of the customer's, authorized on the success card under `idempotencyKey`. */
async function authorizedOrder(idempotencyKey: string): Promise<{ orderId: string; input: Record<string, unknown> }> {
  const order = (
    await must(
      customer.browser.gql(PLACE_ORDER, { input: { lines: [{ productId: productIds[0], quantity: 2 }] } }),
      'order',
    )
  ).createOrder;
  const input = { orderId: order.id, checkoutToken: order.checkoutToken, card: CARD, idempotencyKey };
  return { orderId: order.id, input };
}

beforeAll(async () => {
  polystore = await startPolystore({ accounts: { SIGN_UP_MAX_PER_ADDRESS: '500' } });
  MODES.development.url = polystore.url;
  const production = { NODE_ENV: 'production', COOKIE_SECURE: 'true' };
  MODES.require.url = await startGateway({ ...production, PERSISTED_OPERATIONS: 'require' });
  MODES.apq.url = await startGateway({ ...production, PERSISTED_OPERATIONS: 'apq' });
  staffUser = await createStaff(polystore);
  staff = await staffUser.signIn();
  await must(staff.gql('mutation { createCategory(input: { slug: "lamps", name: "Lamps" }) { slug } }'), 'category');
  for (const i of [0, 1, 2]) {
    const input = { sku: `LAMP-${i}`, name: `Lamp ${i}`, price: { amount: 1000, currency: 'EUR' }, category: 'lamps' };
    const created = await must(
      staff.gql('mutation($input: CreateProductInput!) { createProduct(input: $input) { id } }', {
        input: { ...input, stock: 50 },
      }),
      'product',
    );
    productIds.push(created.createProduct.id);
  }
  customer = await signInCustomer(polystore.url, 'customer@probe.example.com');
  const { input } = await authorizedOrder(randomUUID());
  paymentId = (await must(customer.browser.gql(AUTHORIZE, { input }), 'authorize')).authorizePayment.id;
});

afterAll(async () => {
  await Promise.all(extraGateways.map((g) => g.stop()));
  await polystore?.stop();
});

// ---------------------------------------------------------------------------------------------
// What the gateway and the stores answered, read back

interface Answer {
  status: number;
  body: {
    data?: any;
    extensions?: Record<string, unknown>;
    errors?: { message: string; path?: unknown[]; extensions?: Record<string, any> }[];
  };
  headers: Headers;
}

/** A raw request to the GraphQL endpoint at `url`: an object body as JSON, a string or bytes as they are. */
async function send(
  url: string,
  init: { body?: unknown; headers?: Record<string, string>; method?: string } = {},
): Promise<Answer> {
  const { body } = init;
  const response = await fetch(url, {
    method: init.method ?? 'POST',
    headers: { 'content-type': 'application/json', ...init.headers },
    ...(body === undefined
      ? {}
      : {
          body:
            typeof body === 'string' || body instanceof Uint8Array
              ? (body as Uint8Array<ArrayBuffer>)
              : JSON.stringify(body),
        }),
  });
  const text = await response.text();
  try {
    return { status: response.status, body: JSON.parse(text) as Answer['body'], headers: response.headers };
  } catch {
    return { status: response.status, body: { errors: [{ message: text }] }, headers: response.headers };
  }
}

/** Status and error codes in one value, so that a failure shows both. */
const outcome = (answer: Answer | GraphQLResponse<unknown>) =>
  'body' in answer
    ? [answer.status, (answer.body.errors ?? []).map((e) => e.extensions?.['code'])]
    : [answer.status, codes(answer)];

const query = (url: string, text: string, variables: Record<string, unknown> = {}, headers = {}) =>
  send(url, { body: { query: text, variables }, headers });

/** GraphQL operations every subgraph has answered so far. */
async function subgraphOperations(): Promise<number> {
  let total = 0;
  for (const name of SUBGRAPHS) total += await operationsServed(polystore[name].metrics);
  return total;
}

/** Everything the catalog, accounts and payments hold, read from their stores (no API, no cache). */
async function stores() {
  const db = polystore.catalog.connection.db!;
  const all = (collection: string) => db.collection(collection).find({}).sort({ _id: 1 }).toArray();
  return {
    categories: await all('categories'),
    products: await all('products'),
    users: await queryAs(polystore.stores.accountsUrl, 'SELECT id, email, name FROM users ORDER BY id'),
    payments: await polystore.payments.db.payment.findMany({ orderBy: { id: 'asc' } }),
    refunds: await polystore.payments.db.refund.findMany({ orderBy: { id: 'asc' } }),
    ledger: await polystore.payments.db.idempotencyKey.findMany({ orderBy: [{ callerId: 'asc' }, { key: 'asc' }] }),
  };
}

/** Run `probe`, then check that no store changed. */
async function writesNothing(probe: () => Promise<void>): Promise<void> {
  const before = await stores();
  await probe();
  expect(await stores()).toEqual(before);
}

// ---------------------------------------------------------------------------------------------

describe('what held then, still holds', () => {
  it('operator injection: Mongo operators and JSON objects where strings are expected match nothing', async () => {
    const dev = MODES.development.url;
    await writesNothing(async () => {
      // an object where an ID or String is expected: refused while the variables are coerced
      for (const [text, variables] of [
        ['query($id: ID!) { product(id: $id) { id } }', { id: { $ne: null } }],
        ['query($ids: [ID!]!) { productsByIds(ids: $ids) { id } }', { ids: [{ $gt: '' }] }],
        ['query($sku: String!) { productBySku(sku: $sku) { id } }', { sku: { $regex: '.*' } }],
        ['query($f: ProductFilter) { products(filter: $f) { totalCount } }', { f: { category: { $ne: null } } }],
        [
          'mutation($i: SignInInput!) { signIn(input: $i) { user { id } } }',
          { i: { email: { $ne: null }, password: PASSWORD } },
        ],
      ] as const) {
        expect([text, outcome(await query(dev, text, variables))]).toEqual([text, [400, ['BAD_USER_INPUT']]]);
      }
      // an operator as a string is a string: an id or a sku that is none is refused, an attribute matches nothing
      const operator = '{"$ne": null}';
      for (const text of [
        'query($s: ID!) { product(id: $s) { id } }',
        'query($s: String!) { productBySku(sku: $s) { id } }',
        'query($s: ID) { products(filter: { category: $s }) { totalCount } }',
        'mutation($s: ID!) { updateProduct(id: $s, input: { stock: 0 }) { id } }',
      ]) {
        const answer = await staff.gql(text, { s: operator });
        expect([text, outcome(answer), answer.errors![0]!.extensions!['fields']]).toEqual([
          text,
          [200, ['BAD_USER_INPUT']],
          [expect.objectContaining({ field: expect.stringMatching(/^(id|sku|filter\.category)$/) })],
        ]);
      }
      const attribute = await query(
        dev,
        'query($s: String!) { products(filter: { attributes: [{ name: "$where", values: [$s] }] }) { totalCount } }',
        { s: operator },
      );
      expect([outcome(attribute), attribute.body.data]).toEqual([[200, []], { products: { totalCount: 0 } }]);
      expect((await query(dev, '{ products { totalCount } }')).body.data).toEqual({ products: { totalCount: 3 } });
    });
  });

  it('huge ints (beyond 2^31 and 2^53, negative, floats where Int) are refused and write nothing', async () => {
    const dev = MODES.development.url;
    const first = (n: string) =>
      send(dev, { body: `{"query":"query($n: Int) { products(first: $n) { totalCount } }","variables":{"n":${n}}}` });
    await writesNothing(async () => {
      for (const literal of ['2147483648', '9007199254740993', '-2147483649', '1.5']) {
        const text = `mutation { addToCart(productId: "${productIds[0]}", quantity: ${literal}) { totalQuantity } }`;
        expect([literal, outcome(await customer.browser.gql(text))]).toEqual([
          literal,
          [400, ['GRAPHQL_VALIDATION_FAILED']],
        ]);
      }
      for (const n of ['2147483648', '9007199254740993', '1e308', '-2147483649', '1.5']) {
        expect([n, outcome(await first(n))]).toEqual([n, [400, ['BAD_USER_INPUT']]]);
      }
      expect(outcome(await first('-1'))).toEqual([200, ['BAD_USER_INPUT']]);
      const add = 'mutation($p: ID!, $q: Int!) { addToCart(productId: $p, quantity: $q) { totalQuantity } }';
      for (const q of [2147483647, -2147483648, 0]) {
        expect([q, outcome(await customer.browser.gql(add, { p: productIds[0], q }))]).toEqual([
          q,
          [200, ['BAD_USER_INPUT']],
        ]);
      }
      const create = 'mutation($i: CreateProductInput!) { createProduct(input: $i) { id } }';
      const product = (amount: number, stock: number) => ({
        i: { sku: 'HUGE', name: 'Huge', price: { amount, currency: 'EUR' }, category: 'lamps', stock },
      });
      expect(outcome(await staff.gql(create, product(2 ** 31, 1)))).toEqual([400, ['BAD_USER_INPUT']]);
      expect(outcome(await staff.gql(create, product(100_000_001, 1)))).toEqual([200, ['BAD_USER_INPUT']]);
      expect(outcome(await staff.gql(create, product(100, -1)))).toEqual([200, ['BAD_USER_INPUT']]);
    });
    const cart = await customer.browser.gql('{ cart { totalQuantity } }');
    expect(cart.data).toEqual({ cart: { totalQuantity: 0 } });
  });

  it('1 MB strings are refused, naming the field, and write nothing', async () => {
    const mb = 'x'.repeat(2 ** 20);
    const dev = MODES.development.url;
    await writesNothing(async () => {
      const signUp = await query(dev, 'mutation($i: SignUpInput!) { signUp(input: $i) { id } }', {
        i: { email: 'megabyte@probe.example.com', name: mb, password: PASSWORD },
      });
      expect(outcome(signUp)).toEqual([200, ['BAD_USER_INPUT']]);
      expect(signUp.body.errors![0]!.extensions!['fields']).toEqual([
        { field: 'input.name', message: expect.any(String) },
      ]);
      const category = await staff.gql('mutation($i: CreateCategoryInput!) { createCategory(input: $i) { slug } }', {
        i: { slug: 'megabyte', name: mb },
      });
      expect(outcome(category)).toEqual([200, ['BAD_USER_INPUT']]);
      const search = await query(dev, 'query($q: String!) { searchProducts(query: $q) { total } }', { q: mb });
      expect(outcome(search)).toEqual([200, ['BAD_USER_INPUT']]);
      // inline, as one token of a document just under the 2 MB body limit
      const inline = await query(dev, `{ productBySku(sku: "${mb}") { id } }`);
      expect(outcome(inline)).toEqual([200, ['BAD_USER_INPUT']]);
    });
  });

  it('forged identity headers from the client are never read (sessions.e2e, service-callers.e2e)', async () => {
    const forged = {
      'x-polystore-identity': encodeIdentity(STAFF),
      'x-polystore-timestamp': String(Date.now()),
      'x-polystore-signature': 'v1=' + '0'.repeat(64),
      'x-forwarded-for': '10.0.0.1',
      'x-user-id': STAFF.userId!,
    };
    const dev = MODES.development.url;
    await writesNothing(async () => {
      const me = await query(dev, '{ me { id } }', {}, forged);
      expect([outcome(me), me.body.data]).toEqual([[200, []], { me: null }]);
      const write = await query(
        dev,
        'mutation { createCategory(input: { slug: "forged", name: "F" }) { slug } }',
        {},
        forged,
      );
      expect(outcome(write)).toEqual([200, ['UNAUTHENTICATED']]);
      // claiming to be one of Polystore's services without its signature
      const service = await query(dev, '{ me { id } }', {}, { ...forged, 'x-polystore-caller': 'catalog' });
      expect(outcome(service)).toEqual([401, ['UNAUTHENTICATED']]);
    });
  });

  it('direct subgraph calls, unsigned, are refused at every subgraph, _entities and _service included (gateway-trust.e2e)', async () => {
    const before = await subgraphOperations();
    for (const name of SUBGRAPHS) {
      for (const text of [
        '{ _service { sdl } }',
        'query($r: [_Any!]!) { _entities(representations: $r) { __typename } }',
      ]) {
        const answer = await query(polystore.subgraphUrls[name], text, {
          r: [{ __typename: 'User', id: customer.id }],
        });
        expect([name, text, outcome(answer)]).toEqual([name, text, [401, ['UNAUTHENTICATED']]]);
      }
    }
    expect((await subgraphOperations()) - before).toBe(0);
    // and the gateway does not offer them
    for (const text of ['{ _service { sdl } }', '{ _entities(representations: []) { __typename } }']) {
      expect(outcome(await query(MODES.development.url, text))).toEqual([400, ['GRAPHQL_VALIDATION_FAILED']]);
    }
  });

  const PRODUCT_FIELDS =
    'id name description sku stock status version createdAt updatedAt price { amount currency } category { slug name description } attributes { name value }';
  const BOMBS: [string, string, string][] = [
    // Order.customer is a cycle: me → orders → edges → node → customer → orders → … (9 > 8)
    [
      'depth',
      '{ me { orders { edges { node { customer { orders { edges { node { id } } } } } } } } }',
      'MAX_DEPTH_LIMIT',
    ],
    [
      'aliases',
      `{ categories { ${Array.from({ length: 16 }, (_, i) => `a${i}: slug`).join(' ')} } }`,
      'MAX_ALIASES_LIMIT',
    ],
    ['cost', `{ products(first: 100) { edges { node { ${PRODUCT_FIELDS} } } } }`, 'COST_LIMIT'],
    ['tokens', `{ categories { ${'slug '.repeat(1000)} } }`, 'MAX_TOKENS_LIMIT'],
    [
      'directives',
      `{ categories { ${'... on Category @include(if: true) { slug } '.repeat(51)} } }`,
      'MAX_DIRECTIVES_LIMIT',
    ],
    [
      'root fields',
      `{ ${Array.from({ length: 11 }, (_, i) => `r${i}: categories { slug }`).join(' ')} }`,
      'MAX_ROOT_FIELDS_LIMIT',
    ],
    [
      'a fragment cycle',
      '{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }',
      'GRAPHQL_VALIDATION_FAILED',
    ],
  ];
  it.each([MODES.development, MODES.apq].flatMap((mode) => BOMBS.map((b) => [b[0], mode.name, mode, ...b.slice(1)])))(
    'a %s bomb, in %s, is refused with its code before any subgraph is asked (front-door.e2e)',
    async (_what, _mode, mode, text, code) => {
      const before = await subgraphOperations();
      expect(outcome(await query((mode as Mode).url, text as string))).toEqual([400, [code]]);
      expect((await subgraphOperations()) - before).toBe(0);
    },
  );

  it('payment idempotency: the same key twice is one payment; the same key with another request is CONFLICT', async () => {
    const key = randomUUID();
    const { orderId, input } = await authorizedOrder(key);
    const first = await must(customer.browser.gql(AUTHORIZE, { input }), 'first');
    const again = await must(customer.browser.gql(AUTHORIZE, { input }), 'again');
    expect(again).toEqual(first);
    expect(first.authorizePayment.status).toBe('AUTHORIZED');
    await writesNothing(async () => {
      const other = await customer.browser.gql(AUTHORIZE, {
        input: { ...input, card: { ...CARD, number: '5555555555554444' } },
      });
      expect([outcome(other), other.data]).toEqual([[200, ['CONFLICT']], null]);
    });
    expect(await polystore.payments.db.payment.count({ where: { orderId } })).toBe(1);
    expect(await polystore.payments.db.idempotencyKey.count({ where: { key } })).toBe(1);
  });

  it('cart atomicity: parallel addToCart and updateCartItem lose nothing', async () => {
    const { browser } = await signInCustomer(polystore.url, 'cart@probe.example.com');
    const add = (p: string, q: number) =>
      browser.gql('mutation($p: ID!, $q: Int!) { addToCart(productId: $p, quantity: $q) { totalQuantity } }', { p, q });
    const update = (p: string, q: number) =>
      browser.gql('mutation($p: ID!, $q: Int!) { updateCartItem(productId: $p, quantity: $q) { totalQuantity } }', {
        p,
        q,
      });
    const [p0, p1, p2] = productIds as [string, string, string];
    const first = await Promise.all(Array.from({ length: 20 }, () => add(p0, 1)));
    const second = await Promise.all([
      ...Array.from({ length: 10 }, () => add(p1, 1)),
      ...Array.from({ length: 10 }, () => add(p2, 2)),
      update(p0, 7),
    ]);
    expect([...first, ...second].map(outcome)).toEqual([...first, ...second].map(() => [200, []]));
    const cart = await browser.gql('{ cart { totalQuantity items { quantity product { id } } } }');
    const quantities = Object.fromEntries(
      (cart.data!['cart'].items as { quantity: number; product: { id: string } }[]).map((i) => [
        i.product.id,
        i.quantity,
      ]),
    );
    expect(quantities).toEqual({ [p0]: 7, [p1]: 10, [p2]: 20 });
    expect(cart.data!['cart'].totalQuantity).toBe(37);
  });
});

// ---------------------------------------------------------------------------------------------

describe('what did not hold then, holds now', () => {
  const STAFF_WRITES: [string, () => Record<string, unknown>][] = [
    ['CreateCategory', () => ({ input: { slug: 'tampered', name: 'Tampered' } })],
    [
      'CreateProduct',
      () => ({
        input: {
          sku: 'TAMPERED',
          name: 'Tampered',
          price: { amount: 1, currency: 'EUR' },
          category: 'lamps',
          stock: 0,
        },
      }),
    ],
    ['UpdateProduct', () => ({ id: productIds[0], input: { price: { amount: 1, currency: 'EUR' }, stock: 0 } })],
    ['CapturePayment', () => ({ input: { paymentId, idempotencyKey: randomUUID() } })],
    [
      'RefundPayment',
      () => ({
        input: { paymentId, amount: { amount: 1, currency: 'EUR' }, reason: 'x', idempotencyKey: randomUUID() },
      }),
    ],
  ];

  describe.each(Object.values(MODES).map((m) => [m.name, m] as const))(
    'catalog writes, capture and refund in %s',
    (_name, mode) => {
      it('anonymous → UNAUTHENTICATED, customer → FORBIDDEN, nothing written (staff-writes.e2e)', async () => {
        const anonymous = new Browser(mode.url);
        const signedIn =
          mode === MODES.development
            ? customer.browser
            : (await signInCustomer(mode.url, `c-${randomUUID()}@probe.example.com`)).browser;
        await writesNothing(async () => {
          for (const [name, variables] of STAFF_WRITES) {
            for (const [who, browser, code] of [
              ['anonymous', anonymous, 'UNAUTHENTICATED'],
              ['customer', signedIn, 'FORBIDDEN'],
            ] as const) {
              const res = await sendOperation(browser, name, variables(), mode.sentAs);
              expect([name, who, outcome(res), res.data]).toEqual([name, who, [200, [code]], null]);
              if (mode === MODES.require) {
                // ad hoc text of the same write: not on the list, never planned
                const adHoc = await sendOperation(browser, name, variables(), 'ad hoc');
                expect([name, who, outcome(adHoc)]).toEqual([name, who, [400, ['PERSISTED_QUERY_NOT_IN_LIST']]]);
              }
            }
          }
        });
      });
    },
  );

  describe('20 parallel sign-ups (sign-up-burst.e2e)', () => {
    const SIGN_UP = 'mutation($input: SignUpInput!) { signUp(input: $input) { id email } }';
    const signUps = (emails: string[]) =>
      Promise.all(
        emails.map((email) =>
          new Browser(polystore.url).gql(SIGN_UP, { input: { email, name: 'Bo', password: PASSWORD } }),
        ),
      );
    /** `me` of a signed-in user, read again and again while `burst` runs. */
    const readsDuring = (burst: Promise<unknown>) =>
      repeatWhile(burst, async () => {
        const res = await customer.browser.gql('{ me { id } }');
        return res.status === 200 && !res.errors && res.data?.['me']?.id === customer.id;
      });
    const rowsOf = async (emails: string[]) =>
      queryAs(polystore.stores.accountsUrl, 'SELECT id, email FROM users WHERE email = ANY($1)', [emails]);

    it('with 20 different emails: each created and told so, or RATE_LIMITED and not created; me keeps answering', async () => {
      const emails = Array.from({ length: 20 }, (_, i) => `burst-${i}@probe.example.com`);
      const burst = signUps(emails);
      const reads = await readsDuring(burst);
      const answers = await burst;
      const rows = await rowsOf(emails);
      for (const [i, answer] of answers.entries()) {
        const row = rows.find((r) => r['email'] === emails[i]);
        if (answer.status === 200 && !answer.errors) {
          expect(row?.['id']).toBe(answer.data!['signUp'].id);
        } else {
          expect([emails[i], outcome(answer), answer.data, row]).toEqual([
            emails[i],
            [429, ['RATE_LIMITED']],
            null,
            undefined,
          ]);
        }
      }
      expect(reads).toMatchObject({ failed: 0 });
      expect(reads.answered).toBeGreaterThan(0);
    });

    it('with one email: one account, told so once; the others CONFLICT or RATE_LIMITED; me keeps answering', async () => {
      const email = 'same-email@probe.example.com';
      const burst = signUps(Array.from({ length: 20 }, () => email));
      const reads = await readsDuring(burst);
      const answers = await burst;
      const rows = await rowsOf([email]);
      expect(rows).toHaveLength(1);
      const created = answers.filter((a) => a.status === 200 && !a.errors);
      expect(created.map((a) => a.data!['signUp'].id)).toEqual([rows[0]!['id']]);
      for (const answer of answers.filter((a) => !created.includes(a))) {
        expect([
          [200, ['CONFLICT']],
          [429, ['RATE_LIMITED']],
        ]).toContainEqual(outcome(answer));
        expect(answer.data).toBeNull();
      }
      expect(reads).toMatchObject({ failed: 0 });
    });
  });

  it('NUL and a lone surrogate in signUp.name and createProduct.name → BAD_USER_INPUT naming the field (string-inputs.e2e)', async () => {
    const dev = MODES.development.url;
    await writesNothing(async () => {
      for (const [bad, message] of [
        ['Nu\u0000l', STRING_RULE_MESSAGES.NUL],
        ['Lone \ud800', STRING_RULE_MESSAGES.LONE_SURROGATE],
      ] as const) {
        const signUp = await query(dev, 'mutation($i: SignUpInput!) { signUp(input: $i) { id } }', {
          i: { email: 'bad-bytes@probe.example.com', name: bad, password: PASSWORD },
        });
        const product = await staff.gql('mutation($i: CreateProductInput!) { createProduct(input: $i) { id } }', {
          i: { sku: 'BAD-BYTES', name: bad, price: { amount: 100, currency: 'EUR' }, category: 'lamps' },
        });
        for (const answer of [signUp.body, product]) {
          expect(answer.errors?.map((e) => [e.extensions?.['code'], e.extensions?.['fields']])).toEqual([
            ['BAD_USER_INPUT', [{ field: 'input.name', message }]],
          ]);
        }
      }
    });
  });

  it.each([MODES.development, MODES.require, MODES.apq].map((m) => [m.name, m] as const))(
    'GET /metrics on the client port → 404 in %s',
    async (_name, mode) => {
      const response = await fetch(new URL('/metrics', mode.url));
      expect(response.status).toBe(404);
      expect(await response.text()).not.toMatch(/subgraph_|graphql_operation/);
    },
  );
});

// ---------------------------------------------------------------------------------------------

describe("a client's own mistake is a 4xx with a code, never a 5xx", () => {
  const TYPENAME = { query: '{ __typename }' };
  const pq = (persistedQuery: unknown, text?: string) => ({ query: text, extensions: { persistedQuery } });
  const get = (params: Record<string, string>) => ({
    method: 'GET',
    path: `?${new URLSearchParams(params)}`,
    headers: { 'apollo-require-preflight': 'true' },
  });
  const CASES: [
    string,
    { body?: unknown; headers?: Record<string, string>; method?: string; path?: string },
    number,
    string[],
  ][] = [
    [
      'an unknown operationName',
      { body: { query: 'query A { __typename }', operationName: 'B' } },
      400,
      ['OPERATION_RESOLUTION_FAILURE'],
    ],
    [
      'an operationName for an anonymous operation',
      { body: { ...TYPENAME, operationName: 'A' } },
      400,
      ['OPERATION_RESOLUTION_FAILURE'],
    ],
    [
      'two operations and no operationName',
      { body: { query: 'query A { __typename } query B { __typename }' } },
      400,
      ['OPERATION_RESOLUTION_FAILURE'],
    ],
    ['an operationName that is not a string', { body: { ...TYPENAME, operationName: 5 } }, 400, ['BAD_REQUEST']],
    [
      'a subscription (the schema has none)',
      { body: { query: 'subscription { __typename }' } },
      400,
      ['GRAPHQL_VALIDATION_FAILED'],
    ],
    [
      'a persisted-query hash that does not match the query',
      { body: pq({ version: 1, sha256Hash: '0'.repeat(64) }, '{ __typename }') },
      400,
      ['PERSISTED_QUERY_HASH_MISMATCH'],
    ],
    [
      'a persisted query of version 2',
      { body: pq({ version: 2, sha256Hash: '0'.repeat(64) }, '{ __typename }') },
      400,
      ['PERSISTED_QUERY_NOT_SUPPORTED'],
    ],
    ['a persistedQuery that is not an object', { body: pq('x', '{ __typename }') }, 400, ['BAD_REQUEST']],
    ['a persisted-query hash that is not a string', { body: pq({ version: 1, sha256Hash: 5 }) }, 400, ['BAD_REQUEST']],
    ['extensions that are not an object', { body: { ...TYPENAME, extensions: 'x' } }, 400, ['BAD_REQUEST']],
    ['malformed JSON', { body: '{"query": ' }, 400, ['BAD_REQUEST']],
    ['a JSON body that is not an object', { body: '5' }, 400, ['BAD_REQUEST']],
    ['a batch', { body: [TYPENAME, TYPENAME] }, 400, ['BAD_REQUEST']],
    ['a query that is not a string', { body: { query: 5 } }, 400, ['BAD_REQUEST']],
    ['variables as a JSON string', { body: { ...TYPENAME, variables: '{}' } }, 400, ['BAD_REQUEST']],
    [
      'variables of the wrong type',
      { body: { query: 'query($n: Int) { products(first: $n) { totalCount } }', variables: { n: 'x' } } },
      400,
      ['BAD_USER_INPUT'],
    ],
    ['text/plain (CSRF)', { body: TYPENAME, headers: { 'content-type': 'text/plain' } }, 400, ['BAD_REQUEST']],
    ['application/xml', { body: '<query/>', headers: { 'content-type': 'application/xml' } }, 400, ['BAD_REQUEST']],
    [
      'an unsupported charset',
      { body: TYPENAME, headers: { 'content-type': 'application/json; charset=latin1' } },
      415,
      ['BAD_REQUEST'],
    ],
    [
      'an unsupported content-encoding',
      { body: TYPENAME, headers: { 'content-encoding': 'snappy' } },
      415,
      ['BAD_REQUEST'],
    ],
    [
      'a gzip bomb (50 MB inflated)',
      {
        body: gzipSync(JSON.stringify({ ...TYPENAME, variables: { pad: 'x'.repeat(50 * 2 ** 20) } })),
        headers: { 'content-encoding': 'gzip' },
      },
      413,
      ['PAYLOAD_TOO_LARGE'],
    ],
    [
      'a body that is not the gzip it says',
      { body: 'not gzip', headers: { 'content-encoding': 'gzip' } },
      400,
      ['BAD_REQUEST'],
    ],
    ['a GET with a mutation', get({ query: 'mutation { signOut }' }), 405, ['BAD_REQUEST']],
    ['a GET whose variables are not JSON', get({ ...TYPENAME, variables: 'not json' }), 400, ['BAD_REQUEST']],
    ['a GET whose extensions are not JSON', get({ ...TYPENAME, extensions: 'not json' }), 400, ['BAD_REQUEST']],
    ['a PUT', { method: 'PUT', body: TYPENAME }, 405, ['BAD_REQUEST']],
    ['an accept header without JSON', { body: TYPENAME, headers: { accept: 'application/xml' } }, 406, ['BAD_REQUEST']],
  ];
  // in production PERSISTED_OPERATIONS=apq, so that every request reaches the check it is about
  it.each(
    [MODES.development, MODES.apq].flatMap((mode) =>
      CASES.map(([what, ...c]) => [what, mode.name, mode, ...c] as const),
    ),
  )('%s, in %s', async (_what, _mode, mode, request, status, expected) => {
    const url = `${mode.url}${request.path ?? ''}`;
    const answer = await send(url, request);
    expect(outcome(answer)).toEqual([status, expected]);
    if (mode.production) expect(JSON.stringify(answer.body)).not.toMatch(/stacktrace|Internal server error/);
  });

  it('headers larger than Node takes are 431, from the HTTP parser', async () => {
    const answer = await send(MODES.development.url, {
      body: TYPENAME,
      headers: { cookie: `x=${'a'.repeat(20_000)}` },
    });
    expect(answer.status).toBe(431);
  });

  it('a production gateway shows no query plan, whatever the client asks', async () => {
    for (const mode of [MODES.apq, MODES.require]) {
      const categories = PERSISTED.get('Categories')!;
      const answer = await send(mode.url, {
        body:
          mode.sentAs === 'hash'
            ? { extensions: { persistedQuery: { version: 1, sha256Hash: categories.hash } } }
            : { query: categories.body },
        headers: { 'apollo-query-plan-experimental': '1' },
      });
      expect([mode.name, answer.status, answer.body.extensions]).toEqual([mode.name, 200, undefined]);
    }
  });
});

// ---------------------------------------------------------------------------------------------

describe('accounts down before a gateway has fetched its keys (docs/adr/0008, "When a store is down")', () => {
  it('a signed-in request is served as anonymous, cookies kept, never a 5xx; once accounts is back it is the user again', async () => {
    const { id, browser } = await signInCustomer(polystore.url, 'keys@probe.example.com');
    const down = await takeDown(polystore.accounts.server.http);
    let fresh: string;
    try {
      fresh = await startGateway({}); // a new instance: no keys fetched yet
      const at = browser.at(fresh);
      const cookies = new Map(browser.cookies);
      const catalog = await at.gql('{ categories { slug } }');
      expect([outcome(catalog), catalog.data]).toEqual([[200, []], { categories: [{ slug: 'lamps' }] }]);
      const me = await at.gql('{ me { id } }');
      expect([outcome(me), me.data]).toEqual([[200, ['SERVICE_UNAVAILABLE']], { me: null }]);
      expect(at.lastSetCookie).toEqual([]);
      expect(browser.cookies).toEqual(cookies);
      const gateway = extraGateways.at(-1)!;
      expect(
        await counterValue(gateway.metrics.registry, 'gateway_sessions_total', { outcome: 'keys_unavailable' }),
      ).toBe(2);
    } finally {
      await down.restore();
    }
    // the keys are fetched again at most every second after a failure
    await within(5_000, async () => {
      const me = await browser.at(fresh).gql('{ me { id } }');
      return me.status === 200 && me.data?.['me']?.id === id;
    });
  });
});

it("nothing in this file's process left loopback (the egress guard's log for it is empty)", () => {
  expect(egress.readLog(process.env[egress.LOG_VARIABLE]!).filter((a) => a.pid === process.pid)).toEqual([]);
});
