import { checkoutPublicKey, createLogger, generateCheckoutKeys, type Identity } from '@polystore/platform';
import { ALICE, BOB, codeOf, requestsTo, testUuid as uuid, viewers } from '../../../../test-support/services';
import { createContext } from '../context';
import { SimulatedProcessor } from '../processor/simulated-processor';
import type { PaymentRecord, PaymentRepository, RefundRecord } from './payment.repository';

// The read rules above the store, on a fake of the repository (payments.integration.test.ts runs
// them on PostgreSQL, e2e/order-history.e2e.test.ts through the gateway).
const { alice, bob, staff, anonymous } = viewers;

const payment = (n: number, customerId = ALICE): PaymentRecord => ({
  id: uuid(100 + n),
  orderId: uuid(n),
  customerId,
  amount: 1000 * n,
  currency: 'EUR',
  status: 'CAPTURED',
  capturedAmount: 1000 * n,
  refundedAmount: 100,
  cardBrand: 'visa',
  cardLast4: '4242',
  cardExpMonth: 12,
  cardExpYear: 2030,
  processor: 'simulated',
  providerReference: `sim_${n}`,
  failureCode: null,
  createdAt: new Date(Date.UTC(2026, 0, n)),
  authorizedAt: new Date(Date.UTC(2026, 0, n)),
  capturedAt: new Date(Date.UTC(2026, 0, n)),
  updatedAt: new Date(Date.UTC(2026, 0, n)),
});
const PAYMENTS = [payment(1), payment(2), payment(3, BOB)];
const refundOf = (p: PaymentRecord): RefundRecord => ({
  id: uuid(200 + PAYMENTS.indexOf(p)),
  paymentId: p.id,
  amount: 100,
  status: 'SUCCEEDED',
  reason: null,
  providerReference: null,
  createdAt: p.createdAt,
  completedAt: p.createdAt,
});

/** The repository's read methods over an array, counting every call (one call = one store round trip). */
function fakeRepository() {
  const calls = { findByIds: 0, latestByOrders: 0, refundsByPayments: 0 };
  const repository = {
    async findByIds(ids: readonly string[]) {
      calls.findByIds += 1;
      return PAYMENTS.filter((p) => ids.includes(p.id));
    },
    async latestByOrders(orderIds: readonly string[]) {
      calls.latestByOrders += 1;
      return new Map(PAYMENTS.filter((p) => orderIds.includes(p.orderId)).map((p) => [p.orderId, p]));
    },
    async refundsByPayments(paymentIds: readonly string[]) {
      calls.refundsByPayments += 1;
      return new Map(PAYMENTS.filter((p) => paymentIds.includes(p.id)).map((p) => [p.id, [refundOf(p)]]));
    },
  };
  return { repository: repository as unknown as PaymentRepository, calls };
}

function servicesFor() {
  const { repository, calls } = fakeRepository();
  const context = createContext({
    payments: repository,
    processor: new SimulatedProcessor(),
    options: {
      currency: 'EUR',
      processorTimeoutMs: 1000,
      checkoutKey: checkoutPublicKey(generateCheckoutKeys().publicKey),
      logger: createLogger('payments-test', 'silent'),
    },
    // no transaction: the fake repository ignores the one it is given
    withTransaction: (work) => work({} as never),
  });
  const services = requestsTo(context);
  return { request: async (viewer: Identity) => (await services(viewer)).payments, calls };
}

describe('PaymentService reads, as each request builds it', () => {
  const [first] = PAYMENTS;
  const orderOf = (p: PaymentRecord, customerId: string | undefined = p.customerId) => ({
    id: p.orderId,
    ...(customerId ? { customer: { id: customerId } } : {}),
  });

  it("resolves a payment's reference for its customer and for staff, and to null for anyone else", async () => {
    const { request } = servicesFor();
    expect(await (await request(alice)).reference(first!.id)).toEqual(first);
    expect(await (await request(staff)).reference(first!.id)).toEqual(first);
    expect(await (await request(bob)).reference(first!.id)).toBeNull();
    expect(await (await request(anonymous)).reference(first!.id)).toBeNull();
  });

  it("shows an order's payment to the order's customer and to staff, to nobody else, and never another customer's payment", async () => {
    const { request, calls } = servicesFor();
    expect(await (await request(alice)).ofOrder(orderOf(first!))).toEqual(first);
    expect(await (await request(staff)).ofOrder(orderOf(first!))).toEqual(first);
    const reads = calls.latestByOrders;
    expect(await (await request(bob)).ofOrder(orderOf(first!))).toBeNull();
    expect(await (await request(anonymous)).ofOrder(orderOf(first!))).toBeNull();
    // without the order's customer (no @requires answer) nothing is shown, and nothing read
    expect(await (await request(staff)).ofOrder(orderOf(first!, ''))).toBeNull();
    expect(calls.latestByOrders).toBe(reads);
    // an order claimed for Bob does not show Alice's payment on it, even to Bob or staff
    expect(await (await request(bob)).ofOrder(orderOf(first!, BOB))).toBeNull();
    expect(await (await request(staff)).ofOrder(orderOf(first!, BOB))).toBeNull();
  });

  it("answers payment(id) with NOT_FOUND for someone else's payment, as for none, and UNAUTHENTICATED when signed out", async () => {
    const { request } = servicesFor();
    expect(await (await request(alice)).byId(first!.id)).toEqual(first);
    expect(await codeOf((await request(bob)).byId(first!.id))).toBe('NOT_FOUND');
    expect(await codeOf((await request(bob)).byId(uuid(999)))).toBe('NOT_FOUND');
    expect(await codeOf((await request(anonymous)).byId(first!.id))).toBe('UNAUTHENTICATED');
    expect(await codeOf((await request(alice)).byId('not-a-uuid'))).toBe('BAD_USER_INPUT');
  });

  it("reads every order's payment, every reference and every refund list of one planner step in one repository call each", async () => {
    const { request, calls } = servicesFor();
    const payments = await request(staff);
    expect(await Promise.all(PAYMENTS.map((p) => payments.ofOrder(orderOf(p))))).toEqual(PAYMENTS);
    const refunds = await Promise.all(PAYMENTS.map((p) => payments.refunds(p)));
    expect(refunds.map((r) => r[0]!.paymentId)).toEqual(PAYMENTS.map((p) => p.id));
    expect(await Promise.all(refunds.map((r) => payments.currencyOf(r[0]!)))).toEqual(['EUR', 'EUR', 'EUR']);
    expect(await Promise.all(PAYMENTS.map((p) => payments.reference(p.id)))).toEqual(PAYMENTS);
    expect(calls).toEqual({ latestByOrders: 1, refundsByPayments: 1, findByIds: 1 });
  });

  it('gives each request loaders of its own: nothing read for one request is served to the next', async () => {
    const { request, calls } = servicesFor();
    await (await request(alice)).reference(first!.id);
    await (await request(alice)).reference(first!.id);
    expect(calls.findByIds).toBe(2);
  });
});
