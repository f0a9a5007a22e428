import { checkoutPrivateKey, generateCheckoutKeys, type Identity } from '@polystore/platform';
import { ALICE, BOB, codeOf, requestsTo, testUuid, viewers } from '../../../../test-support/services';
import { createContext } from '../context';
import type { OrderLineRecord, OrderRecord, OrderRepository } from './order.repository';
import type { ProductCatalog } from './product-catalog';

// The rules above the store, on a fake of the repository (orders.integration.test.ts runs them on PostgreSQL).
const { alice, bob, staff, anonymous } = viewers;

const order = (n: number, customerId = ALICE): OrderRecord => ({
  id: testUuid(n),
  seq: BigInt(n),
  customerId,
  status: 'PENDING_PAYMENT',
  currency: 'EUR',
  subtotal: 100 * n,
  total: 100 * n,
  itemCount: 1,
  placedAt: new Date(Date.UTC(2026, 0, n)),
  updatedAt: new Date(Date.UTC(2026, 0, n)),
});
const ORDERS = [order(1), order(2), order(3), order(4, BOB)];

/** The repository's read methods over an array, counting every call (one call = one store round trip). */
function fakeRepository() {
  const calls = { findByIds: [] as string[][], linesByOrder: 0, newestByCustomers: [] as string[][] };
  const repository = {
    async findByIds(ids: readonly string[]) {
      calls.findByIds.push([...ids]);
      return ORDERS.filter((o) => ids.includes(o.id));
    },
    async linesByOrder(refs: readonly { id: string; currency: string }[]) {
      calls.linesByOrder += 1;
      const line = (o: { id: string; currency: string }): OrderLineRecord => ({
        orderId: o.id,
        position: 0,
        productId: testUuid(0xf00d),
        productName: 'Lamp',
        unitPrice: 100,
        quantity: 1,
        lineTotal: 100,
        currency: o.currency,
      });
      return new Map(refs.map((o) => [o.id, [line(o)]]));
    },
    async newestByCustomers(customerIds: readonly string[], options: { limit: number }) {
      calls.newestByCustomers.push([...customerIds]);
      return new Map(
        customerIds.map((id) => [id, ORDERS.filter((o) => o.customerId === id).slice(0, options.limit)] as const),
      );
    },
  };
  return { repository: repository as unknown as OrderRepository, calls };
}

function servicesFor() {
  const { repository, calls } = fakeRepository();
  const catalog: ProductCatalog = { lookup: async () => new Map() };
  const context = createContext({
    orders: repository,
    catalog,
    options: {
      currency: 'EUR',
      checkoutKey: checkoutPrivateKey(generateCheckoutKeys().privateKey),
      checkoutTtlSeconds: 60,
    },
    // no transaction: the fake repository ignores the one it is given
    withTransaction: (work) => work({} as never),
  });
  const services = requestsTo(context);
  return { request: async (viewer: Identity) => (await services(viewer)).orders, calls };
}

describe('OrderService, as each request builds it', () => {
  it("resolves an order's reference for its customer and for staff, and to null for anyone else", async () => {
    const { request } = servicesFor();
    const [first] = ORDERS;
    expect(await (await request(alice)).reference(first!.id)).toEqual(first);
    expect(await (await request(staff)).reference(first!.id)).toEqual(first);
    expect(await (await request(bob)).reference(first!.id)).toBeNull();
    expect(await (await request(anonymous)).reference(first!.id)).toBeNull();
  });

  it("answers order(id) with NOT_FOUND for someone else's order, as for no order, and UNAUTHENTICATED when signed out", async () => {
    const { request } = servicesFor();
    const [first] = ORDERS;
    expect(await (await request(alice)).byId(first!.id)).toEqual(first);
    expect(await codeOf((await request(bob)).byId(first!.id))).toBe('NOT_FOUND');
    expect(await codeOf((await request(bob)).byId(testUuid(0xdead)))).toBe('NOT_FOUND');
    expect(await codeOf((await request(anonymous)).byId(first!.id))).toBe('UNAUTHENTICATED');
    expect(await codeOf((await request(alice)).byId('not-a-uuid'))).toBe('BAD_USER_INPUT');
  });

  it("refuses another customer's order history (FORBIDDEN) before the store is read", async () => {
    const { request, calls } = servicesFor();
    expect(await codeOf((await request(bob)).page(ALICE, { first: 10 }))).toBe('FORBIDDEN');
    expect(await codeOf((await request(anonymous)).page(ALICE, { first: 10 }))).toBe('UNAUTHENTICATED');
    expect(calls.newestByCustomers).toEqual([]);
    const page = await (await request(staff)).page(ALICE, { first: 2 });
    expect(page.edges.map((e) => e.node.id)).toEqual([ORDERS[0]!.id, ORDERS[1]!.id]);
    expect(page.pageInfo.hasNextPage).toBe(true);
  });

  it('reads every reference, every page and every line set of one planner step in one repository call each', async () => {
    const { request, calls } = servicesFor();
    const orders = await request(staff);
    const found = await Promise.all(ORDERS.map((o) => orders.reference(o.id)));
    expect(found).toEqual(ORDERS);
    await Promise.all([orders.page(ALICE, { first: 10 }), orders.page(BOB, { first: 10 })]);
    const lines = await Promise.all(ORDERS.map((o) => orders.lines(o)));
    expect(lines.map((l) => l[0]!.orderId)).toEqual(ORDERS.map((o) => o.id));
    expect(calls.findByIds).toEqual([ORDERS.map((o) => o.id)]);
    expect(calls.newestByCustomers).toEqual([[ALICE, BOB]]);
    expect(calls.linesByOrder).toBe(1);
  });

  it('gives each request loaders of its own: nothing read for one request is served to the next', async () => {
    const { request, calls } = servicesFor();
    const id = ORDERS[0]!.id;
    await (await request(alice)).reference(id);
    await (await request(alice)).reference(id);
    expect(calls.findByIds).toEqual([[id], [id]]);
  });
});
