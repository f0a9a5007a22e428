import { randomUUID } from 'node:crypto';
import {
  checkoutPrivateKey,
  counterValue,
  generateCheckoutKeys,
  signCheckoutToken,
  type Identity,
} from '@polystore/platform';
import { createTestDatabase, queryAs, withDatabase, type TestDatabase } from '../../../test-support/postgres';
import { requireVar, stackEnv } from '../../../test-support/stack-env';
import { codes, signedGql, TEST_SIGNING_SECRET, type GraphQLResponse } from '../../../test-support/graphql';
import { createPayments, type Payments } from '../src/app';
import { loadPaymentsConfig } from '../src/config';
import { ProcessorError, type CardProcessor } from '../src/processor/card-processor';
import { SimulatedProcessor, TEST_CARDS } from '../src/processor/simulated-processor';

// Against the real PostgreSQL of the stack, as the service's own least-privilege role, with the
// simulated card processor the service runs with locally. A thin wrapper around it can leave a
// capture unanswered on purpose, to show that a retry with the same key resumes it.
const simulated = new SimulatedProcessor();
const faults = { hangNextCapture: false };
const processor: CardProcessor = {
  name: simulated.name,
  authorize: (request, signal) => simulated.authorize(request, signal),
  async capture(request, signal) {
    if (faults.hangNextCapture) {
      faults.hangNextCapture = false;
      await new Promise((r) => signal.addEventListener('abort', r));
      throw new ProcessorError('TIMEOUT', 'no answer');
    }
    return simulated.capture(request, signal);
  },
  refund: (request, signal) => simulated.refund(request, signal),
  cancel: (request, signal) => simulated.cancel(request, signal),
};

const keys = generateCheckoutKeys();
const orderKey = checkoutPrivateKey(keys.privateKey);
const ADA = '0190a0b0-0000-7000-8000-00000000a0a0';
const BOB = '0190a0b0-0000-7000-8000-00000000b0b0';
const STAFF: Identity = { userId: '0190a0b0-0000-7000-8000-00000000c0c0', roles: ['staff'] };
const as = (userId: string): Identity => ({ userId, roles: [] });
let orderSeq = 0;
const newOrderId = () => `0190a0b0-0000-7000-8000-${String(++orderSeq).padStart(12, '0')}`;
const token = (
  orderId: string,
  customerId = ADA,
  amount = 4900,
  extra: { currency?: string; expiresAt?: number } = {},
) =>
  signCheckoutToken(orderKey, {
    orderId,
    customerId,
    amount,
    currency: extra.currency ?? 'EUR',
    expiresAt: extra.expiresAt ?? Date.now() + 600_000,
  });
/** The token with its signature's first character changed (always changed: a fixed replacement letter would leave 1 in 64 signatures as they were). */
const forge = (genuine: string) => {
  const dot = genuine.indexOf('.');
  const first = genuine[dot + 1];
  return `${genuine.slice(0, dot + 1)}${first === 'A' ? 'B' : 'A'}${genuine.slice(dot + 2)}`;
};
const card = (number: string = TEST_CARDS.SUCCESS) => ({
  number,
  expMonth: 12,
  expYear: new Date().getUTCFullYear() + 2,
  cvc: '987',
});
let keySeq = 0;
const newKey = () => `key-${randomUUID()}-${++keySeq}`;

let db: TestDatabase;
let payments: Payments;
let url: string;

const PAYMENT_FIELDS = `id status amount { amount currency } capturedAmount { amount } refundedAmount { amount }
  failureReason method { brand last4 expMonth expYear } processor providerReference
  refunds { amount { amount currency } status reason } order { id } authorizedAt capturedAt`;
const AUTHORIZE = `mutation($input: AuthorizePaymentInput!) { authorizePayment(input: $input) { ${PAYMENT_FIELDS} } }`;
const CAPTURE = `mutation($input: CapturePaymentInput!) { capturePayment(input: $input) { ${PAYMENT_FIELDS} } }`;
const REFUND = `mutation($input: RefundPaymentInput!) { refundPayment(input: $input) { ${PAYMENT_FIELDS} } }`;

const gql = (query: string, variables: Record<string, unknown>, identity: Identity = as(ADA)) =>
  signedGql(url, query, variables, identity);

function authorize(input: Record<string, unknown>, identity: Identity = as(ADA)) {
  return gql(AUTHORIZE, { input }, identity);
}

async function authorized(customer = ADA, amount = 4900) {
  const orderId = newOrderId();
  const res = await authorize(
    { orderId, checkoutToken: token(orderId, customer, amount), card: card(), idempotencyKey: newKey() },
    as(customer),
  );
  expect(res.errors).toBeUndefined();
  return res.data!['authorizePayment'] as { id: string; order: { id: string } };
}

const count = async (table: string) =>
  Number((await queryAs(db.appUrl, `SELECT count(*) AS n FROM ${table}`))[0]!['n']);
const counts = async () => [await count('payments'), await count('refunds'), await count('idempotency_keys')];

beforeAll(async () => {
  db = await createTestDatabase('payments');
  payments = await createPayments(
    loadPaymentsConfig({
      PAYMENTS_DATABASE_URL: db.appUrl,
      PAYMENTS_SIGNING_SECRET: TEST_SIGNING_SECRET,
      PAYMENTS_CHECKOUT_PUBLIC_KEY: keys.publicKey,
      PAYMENTS_PROCESSOR_TIMEOUT_MS: '300',
      LOG_LEVEL: 'silent',
      NODE_ENV: 'test',
    }),
    { processor },
  );
  url = `http://127.0.0.1:${(await payments.server.listen(0, '127.0.0.1')).port}/graphql`;
});

afterAll(async () => {
  await payments?.stop();
  await db?.drop();
});

describe('authorizePayment', () => {
  it("holds the order's total from its checkout token and keeps only brand, last 4 and expiry", async () => {
    const orderId = newOrderId();
    const holds = simulated.holds().length;
    const res = await authorize({
      orderId,
      checkoutToken: token(orderId, ADA, 12_345),
      card: card('4242 4242 4242 4242'),
      idempotencyKey: newKey(),
    });
    expect(res.errors).toBeUndefined();
    expect(res.data!['authorizePayment']).toMatchObject({
      status: 'AUTHORIZED',
      amount: { amount: 12_345, currency: 'EUR' },
      capturedAmount: { amount: 0 },
      failureReason: null,
      method: { brand: 'visa', last4: '4242', expMonth: 12, expYear: new Date().getUTCFullYear() + 2 },
      processor: 'simulated',
      order: { id: orderId },
    });
    expect(res.data!['authorizePayment'].providerReference).toMatch(/^sim_auth_/);
    expect(simulated.holds().length - holds).toBe(1);
  });

  it('replays the first outcome for a repeat with the same key, without calling the processor again', async () => {
    const orderId = newOrderId();
    const input = { orderId, checkoutToken: token(orderId), card: card(), idempotencyKey: newKey() };
    const first = await authorize(input);
    const calls = simulated.authorizeCalls;
    const before = await counts();
    const again = await authorize({ ...input, checkoutToken: token(orderId) });
    expect(again.data!['authorizePayment'].id).toBe(first.data!['authorizePayment'].id);
    expect(simulated.authorizeCalls).toBe(calls);
    expect(await counts()).toEqual(before);
  });

  it('refuses another request under a used key with CONFLICT, writing nothing', async () => {
    const orderId = newOrderId();
    const key = newKey();
    await authorize({ orderId, checkoutToken: token(orderId), card: card(), idempotencyKey: key });
    const before = await counts();
    const otherCard = await authorize({
      orderId,
      checkoutToken: token(orderId),
      card: card(TEST_CARDS.SUCCESS_MASTERCARD),
      idempotencyKey: key,
    });
    const otherOrder = newOrderId();
    const sameKeyOtherOrder = await authorize({
      orderId: otherOrder,
      checkoutToken: token(otherOrder),
      card: card(),
      idempotencyKey: key,
    });
    expect(codes(otherCard)).toEqual(['CONFLICT']);
    expect(codes(sameKeyOtherOrder)).toEqual(['CONFLICT']);
    expect(await counts()).toEqual(before);
  });

  it('charges once for parallel duplicates: every one gets the same payment', async () => {
    const orderId = newOrderId();
    const input = { orderId, checkoutToken: token(orderId), card: card(), idempotencyKey: newKey() };
    const holds = simulated.holds().length;
    const before = await counts();
    simulated.latencyMs = 150;
    let results: GraphQLResponse<Record<string, any>>[];
    try {
      results = await Promise.all(Array.from({ length: 6 }, () => authorize(input)));
    } finally {
      simulated.latencyMs = 0;
    }
    for (const r of results) expect(r.errors).toBeUndefined();
    expect(new Set(results.map((r) => r.data!['authorizePayment'].id)).size).toBe(1);
    expect(simulated.holds().length - holds).toBe(1);
    expect(await counts()).toEqual([before[0]! + 1, before[1], before[2]! + 1]);
  });

  it('refuses a second live payment for one order, also under a new key', async () => {
    const { order } = await authorized();
    const before = await counts();
    const res = await authorize({
      orderId: order.id,
      checkoutToken: token(order.id),
      card: card(),
      idempotencyKey: newKey(),
    });
    expect(codes(res)).toEqual(['CONFLICT']);
    expect(await counts()).toEqual(before);
  });

  it.each([
    ['declined', TEST_CARDS.DECLINED, 'DECLINED', 'CARD_DECLINED'],
    ['insufficient funds', TEST_CARDS.INSUFFICIENT_FUNDS, 'DECLINED', 'INSUFFICIENT_FUNDS'],
    ['a processor error', TEST_CARDS.PROCESSOR_ERROR, 'FAILED', 'PROCESSOR_ERROR'],
  ])(
    'records %s as PAYMENT_DECLINED, replays it for the key, and lets a new key pay',
    async (_what, number, status, reason) => {
      const orderId = newOrderId();
      const input = { orderId, checkoutToken: token(orderId), card: card(number), idempotencyKey: newKey() };
      const res = await authorize(input);
      expect(codes(res)).toEqual(['PAYMENT_DECLINED']);
      const { paymentId } = res.errors![0]!.extensions as { paymentId: string };
      expect(res.errors![0]!.extensions).toMatchObject({ reason });
      const [row] = await queryAs(db.appUrl, 'SELECT status, failure_code FROM payments WHERE id = $1', [paymentId]);
      expect(row).toEqual({ status, failure_code: reason });
      const calls = simulated.authorizeCalls;
      const replay = await authorize(input);
      expect(replay.errors![0]).toMatchObject({ extensions: { code: 'PAYMENT_DECLINED', reason, paymentId } });
      expect(simulated.authorizeCalls).toBe(calls);
      const retry = await authorize({ ...input, card: card(), idempotencyKey: newKey() });
      expect(retry.data!['authorizePayment'].status).toBe('AUTHORIZED');
    },
  );

  it('ends a processor timeout in a clear state: FAILED, the hold cancelled, and a retry with the key charges nothing', async () => {
    const orderId = newOrderId();
    const input = { orderId, checkoutToken: token(orderId), card: card(TEST_CARDS.TIMEOUT), idempotencyKey: newKey() };
    const started = Date.now();
    const res = await authorize(input);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(res.errors![0]!.extensions).toMatchObject({ code: 'PAYMENT_DECLINED', reason: 'PROCESSOR_TIMEOUT' });
    const { paymentId } = res.errors![0]!.extensions as { paymentId: string };
    const [row] = await queryAs(db.appUrl, 'SELECT status, failure_code FROM payments WHERE id = $1', [paymentId]);
    expect(row).toEqual({ status: 'FAILED', failure_code: 'PROCESSOR_TIMEOUT' });
    // The processor had placed the hold before going silent; payments cancelled it.
    expect(simulated.holds().filter((h) => h.idempotencyKey === paymentId)).toMatchObject([{ status: 'CANCELLED' }]);
    const calls = simulated.authorizeCalls;
    const retry = await authorize(input);
    expect(retry.errors![0]!.extensions).toMatchObject({ reason: 'PROCESSOR_TIMEOUT', paymentId });
    expect(simulated.authorizeCalls).toBe(calls);
    expect(simulated.holds().filter((h) => h.status === 'AUTHORIZED' && h.idempotencyKey === paymentId)).toEqual([]);
  });

  it('resumes a request that failed after the processor held the money: the retry holds nothing more', async () => {
    const orderId = newOrderId();
    const input = { orderId, checkoutToken: token(orderId), card: card(), idempotencyKey: newKey() };
    // A real fault at the store: the outcome cannot be written once the processor has answered.
    const admin = withDatabase(requireVar(stackEnv(), 'POSTGRES_ADMIN_URL'), db.name);
    const appRole = new URL(db.appUrl).username;
    await queryAs(admin, `REVOKE UPDATE ON payments FROM "${appRole}"`);
    let failed: GraphQLResponse<Record<string, any>>;
    try {
      failed = await authorize(input);
    } finally {
      await queryAs(admin, `GRANT UPDATE ON payments TO "${appRole}"`);
    }
    expect(codes(failed)).toEqual(['INTERNAL_SERVER_ERROR']);
    const [pending] = await queryAs(db.appUrl, 'SELECT id, status FROM payments WHERE order_id = $1', [orderId]);
    expect(pending!['status']).toBe('PENDING');
    expect(simulated.holds().filter((h) => h.idempotencyKey === pending!['id'])).toHaveLength(1);
    const resumed = await authorize(input);
    expect(resumed.errors).toBeUndefined();
    expect(resumed.data!['authorizePayment']).toMatchObject({ id: pending!['id'], status: 'AUTHORIZED' });
    expect(simulated.holds().filter((h) => h.idempotencyKey === pending!['id'])).toHaveLength(1);
  });

  const orderId = '0190a0b0-0000-7000-8000-00000000f00d';
  const valid = () => ({ orderId, checkoutToken: token(orderId), card: card(), idempotencyKey: newKey() });
  it.each<[string, () => Record<string, unknown>, Identity | undefined, string, string | null]>([
    ['a malformed order id', () => ({ ...valid(), orderId: 'order-1' }), undefined, 'BAD_USER_INPUT', 'input.orderId'],
    [
      'a card failing the Luhn check',
      () => ({ ...valid(), card: card('4242424242424241') }),
      undefined,
      'BAD_USER_INPUT',
      'input.card.number',
    ],
    [
      'letters in the card number',
      () => ({ ...valid(), card: card('4242abcd42424242') }),
      undefined,
      'BAD_USER_INPUT',
      'input.card.number',
    ],
    [
      'an oversized card number',
      () => ({ ...valid(), card: card('4'.repeat(10_000)) }),
      undefined,
      'BAD_USER_INPUT',
      'input.card.number',
    ],
    [
      'an expired card',
      () => ({ ...valid(), card: { ...card(), expYear: 2020 } }),
      undefined,
      'BAD_USER_INPUT',
      'input.card.expYear',
    ],
    [
      'month 13',
      () => ({ ...valid(), card: { ...card(), expMonth: 13 } }),
      undefined,
      'BAD_USER_INPUT',
      'input.card.expMonth',
    ],
    [
      'a 4-digit CVC on a Visa',
      () => ({ ...valid(), card: { ...card(), cvc: '1234' } }),
      undefined,
      'BAD_USER_INPUT',
      'input.card.cvc',
    ],
    [
      'a token for another order',
      () => ({ ...valid(), checkoutToken: token(newOrderId()) }),
      undefined,
      'BAD_USER_INPUT',
      'input.checkoutToken',
    ],
    [
      'a forged token',
      () => ({ ...valid(), checkoutToken: forge(token(orderId)) }),
      undefined,
      'BAD_USER_INPUT',
      'input.checkoutToken',
    ],
    [
      'an expired token',
      () => ({ ...valid(), checkoutToken: token(orderId, ADA, 4900, { expiresAt: Date.now() - 1 }) }),
      undefined,
      'BAD_USER_INPUT',
      'input.checkoutToken',
    ],
    [
      'an oversized token',
      () => ({ ...valid(), checkoutToken: 'x'.repeat(100_000) }),
      undefined,
      'BAD_USER_INPUT',
      'input.checkoutToken',
    ],
    [
      'an order in another currency',
      () => ({ ...valid(), checkoutToken: token(orderId, ADA, 4900, { currency: 'USD' }) }),
      undefined,
      'BAD_USER_INPUT',
      'input.checkoutToken',
    ],
    ["someone else's order", () => ({ ...valid(), checkoutToken: token(orderId, BOB) }), undefined, 'NOT_FOUND', null],
    [
      'an oversized idempotency key',
      () => ({ ...valid(), idempotencyKey: 'k'.repeat(256) }),
      undefined,
      'BAD_USER_INPUT',
      'input.idempotencyKey',
    ],
    [
      'an empty idempotency key',
      () => ({ ...valid(), idempotencyKey: '' }),
      undefined,
      'BAD_USER_INPUT',
      'input.idempotencyKey',
    ],
    ['no signed-in user', () => valid(), { roles: [] }, 'UNAUTHENTICATED', null],
  ])('refuses %s with a coded error and writes nothing', async (_what, input, identity, code, field) => {
    const before = await counts();
    const calls = simulated.authorizeCalls;
    const res = await authorize(input(), identity ?? as(ADA));
    expect(codes(res)).toEqual([code]);
    if (field)
      expect((res.errors![0]!.extensions!['fields'] as { field: string }[]).map((f) => f.field)).toContain(field);
    expect(JSON.stringify(res.errors)).not.toMatch(/4242424242424241|4242abcd/);
    expect(await counts()).toEqual(before);
    expect(simulated.authorizeCalls).toBe(calls);
  });
});

describe('capturePayment and refundPayment', () => {
  it('capture takes the authorized amount once; refunds add up to it and no further', async () => {
    const { id } = await authorized(ADA, 10_000);
    const key = newKey();
    const captured = await gql(CAPTURE, { input: { paymentId: id, idempotencyKey: key } }, STAFF);
    expect(captured.data!['capturePayment']).toMatchObject({ status: 'CAPTURED', capturedAmount: { amount: 10_000 } });
    const again = await gql(CAPTURE, { input: { paymentId: id, idempotencyKey: key } }, STAFF);
    expect(again.data!['capturePayment'].status).toBe('CAPTURED');

    const partial = await gql(
      REFUND,
      {
        input: {
          paymentId: id,
          amount: { amount: 2500, currency: 'EUR' },
          reason: 'one lamp returned',
          idempotencyKey: newKey(),
        },
      },
      STAFF,
    );
    expect(partial.data!['refundPayment']).toMatchObject({
      status: 'PARTIALLY_REFUNDED',
      refundedAmount: { amount: 2500 },
      refunds: [{ amount: { amount: 2500, currency: 'EUR' }, status: 'SUCCEEDED', reason: 'one lamp returned' }],
    });
    const restKey = newKey();
    const rest = await gql(REFUND, { input: { paymentId: id, idempotencyKey: restKey } }, STAFF);
    expect(rest.data!['refundPayment']).toMatchObject({ status: 'REFUNDED', refundedAmount: { amount: 10_000 } });
    // The repeat of "refund the rest" replays; it does not refund the (now zero) rest again.
    const restAgain = await gql(REFUND, { input: { paymentId: id, idempotencyKey: restKey } }, STAFF);
    expect(restAgain.data!['refundPayment'].refunds).toHaveLength(2);
    const hold = simulated.holds().find((h) => h.reference === captured.data!['capturePayment'].providerReference)!;
    expect(hold).toMatchObject({ status: 'CAPTURED', captured: 10_000, refunded: 10_000 });

    const before = await counts();
    const more = await gql(REFUND, { input: { paymentId: id, idempotencyKey: newKey() } }, STAFF);
    expect(codes(more)).toEqual(['CONFLICT']);
    expect(await counts()).toEqual(before);
  });

  it('are staff only, and refuse bad input with coded errors, writing nothing', async () => {
    const { id } = await authorized();
    const declined = newOrderId();
    const declinedRes = await authorize({
      orderId: declined,
      checkoutToken: token(declined),
      card: card(TEST_CARDS.DECLINED),
      idempotencyKey: newKey(),
    });
    const declinedId = (declinedRes.errors![0]!.extensions as { paymentId: string }).paymentId;
    await gql(CAPTURE, { input: { paymentId: id, idempotencyKey: newKey() } }, STAFF);
    const before = await counts();
    const refund = (input: Record<string, unknown>, identity = STAFF) =>
      gql(REFUND, { input: { paymentId: id, idempotencyKey: newKey(), ...input } }, identity);
    expect(codes(await gql(CAPTURE, { input: { paymentId: id, idempotencyKey: newKey() } }, as(ADA)))).toEqual([
      'FORBIDDEN',
    ]);
    expect(codes(await refund({}, as(ADA)))).toEqual(['FORBIDDEN']);
    expect(codes(await refund({}, { roles: ['staff'] }))).toEqual(['UNAUTHENTICATED']);
    expect(codes(await refund({ amount: { amount: 100, currency: 'USD' } }))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await refund({ amount: { amount: -100, currency: 'EUR' } }))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await refund({ amount: { amount: 2_000_000_000, currency: 'EUR' } }))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await refund({ amount: { amount: 4901, currency: 'EUR' } }))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await refund({ reason: 'r'.repeat(501) }))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await refund({ paymentId: '0190a0b0-0000-7000-8000-0000deadbeef' }))).toEqual(['NOT_FOUND']);
    expect(codes(await refund({ paymentId: 'nope' }))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await gql(CAPTURE, { input: { paymentId: declinedId, idempotencyKey: newKey() } }, STAFF))).toEqual([
      'CONFLICT',
    ]);
    expect(codes(await gql(CAPTURE, { input: { paymentId: id, idempotencyKey: newKey() } }, STAFF))).toEqual([
      'CONFLICT',
    ]);
    expect(await counts()).toEqual(before);
  });

  it('a capture the processor did not answer is resumed by a retry with the same key, captured once', async () => {
    const { id } = await authorized();
    const input = { paymentId: id, idempotencyKey: newKey() };
    faults.hangNextCapture = true;
    const first = await gql(CAPTURE, { input }, STAFF);
    expect(codes(first)).toEqual(['SERVICE_UNAVAILABLE']);
    const [row] = await queryAs(db.appUrl, 'SELECT status FROM payments WHERE id = $1', [id]);
    expect(row!['status']).toBe('AUTHORIZED');
    const retry = await gql(CAPTURE, { input }, STAFF);
    expect(retry.data!['capturePayment']).toMatchObject({ status: 'CAPTURED', capturedAmount: { amount: 4900 } });
  });
});

describe('reading payments', () => {
  const ORDER_PAYMENTS = `query($r: [_Any!]!) { _entities(representations: $r) { ... on Order { id payment { id status } } } }`;
  const selects = () =>
    counterValue(payments.metrics.registry, 'store_commands_total', { store: 'postgres', operation: 'SELECT' });

  it("resolves Order.payment for many orders in one query, and only the order's own customer's payment", async () => {
    const mine = await Promise.all([1, 2, 3, 4, 5].map(() => authorized(ADA)));
    const reps = (customer: string) =>
      mine.map(({ order }) => ({ __typename: 'Order', id: order.id, customer: { id: customer } }));
    const before = await selects();
    const res = await gql(ORDER_PAYMENTS, { r: reps(ADA) }, as(ADA));
    expect(res.errors).toBeUndefined();
    expect(res.data!['_entities']).toEqual(
      mine.map(({ id, order }) => ({ id: order.id, payment: { id, status: 'AUTHORIZED' } })),
    );
    expect((await selects()) - before).toBe(1);
    // Bob's view of an order of his that Ada paid for, or of Ada's orders: no payment shown.
    expect(
      (await gql(ORDER_PAYMENTS, { r: reps(BOB) }, as(BOB))).data!['_entities'].map((o: any) => o.payment),
    ).toEqual(mine.map(() => null));
    expect(
      (await gql(ORDER_PAYMENTS, { r: reps(ADA) }, as(BOB))).data!['_entities'].map((o: any) => o.payment),
    ).toEqual(mine.map(() => null));
  });

  it('payment(id) answers its customer and staff, NOT_FOUND for anyone else', async () => {
    const { id } = await authorized(ADA);
    const q = `query($id: ID!) { payment(id: $id) { id } }`;
    expect((await gql(q, { id }, as(ADA))).data).toEqual({ payment: { id } });
    expect((await gql(q, { id }, STAFF)).data).toEqual({ payment: { id } });
    expect(codes(await gql(q, { id }, as(BOB)))).toEqual(['NOT_FOUND']);
  });
});

describe('what is stored', () => {
  it('holds no card number or CVC anywhere: every row of every table scanned', async () => {
    const tables = await queryAs(
      db.appUrl,
      `SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> '_prisma_migrations'`,
    );
    let rows = 0;
    for (const { tablename } of tables) {
      for (const row of await queryAs(db.appUrl, `SELECT row_to_json(t)::text AS json FROM "${tablename}" t`)) {
        rows++;
        // Ids and hashes set aside (their hex may hold digit runs by chance), nothing may look like a card number.
        const rest = String(row['json'])
          .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '')
          .replace(/\b[0-9a-f]{64}\b/g, '');
        for (const number of [...Object.values(TEST_CARDS), '4242424242424241']) {
          for (const part of [number, number.slice(0, 12), number.slice(-12)]) expect(rest).not.toContain(part);
        }
        expect(rest).not.toMatch(/\d{12,}/);
      }
    }
    expect(rows).toBeGreaterThan(20);
    const columns = await queryAs(
      db.appUrl,
      `SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public'
       AND column_name ~* '(pan|card_number|cvc|cvv|security_code)'`,
    );
    expect(columns).toEqual([]);
  });

  it('the runtime role can change rows but not the schema', async () => {
    await expect(queryAs(db.appUrl, 'CREATE TABLE intruder (id int)')).rejects.toMatchObject({ code: '42501' });
    await expect(queryAs(db.appUrl, 'DROP TABLE payments')).rejects.toMatchObject({ code: '42501' });
  });
});
