import { createLogger } from '@polystore/platform';
import { codeOf, requestsTo, testUuid, viewers } from '../../../../test-support/services';
import { createContext } from '../context';
import type { CartOperation, CartRepository, CartResult, CartTarget } from './cart.repository';

// The rules above the store, on a fake of the repository (cart.integration.test.ts runs them on
// Redis, e2e/cart.e2e.test.ts counts the round trips through the gateway).
const { alice, anonymous } = viewers;
const PRODUCT = testUuid(0xf00d);
const NOW = new Date(Date.UTC(2026, 5, 1, 12));

/** The repository over a fixed answer, recording every script call (one call = one Redis round trip). */
function fakes(answer: CartResult) {
  const calls: { key: string; op: CartOperation['op']; at: Date }[] = [];
  const carts = {
    async apply(target: CartTarget, operation: CartOperation, now: Date) {
      calls.push({ key: target.key, op: operation.op, at: now });
      return answer;
    },
  } as unknown as CartRepository;
  const context = createContext({
    carts,
    products: { availability: async () => 'ACTIVE' },
    options: {
      keyPrefix: 'cart:',
      userTtlSeconds: 3600,
      anonymousTtlSeconds: 600,
      maxItems: 50,
      logger: createLogger('cart-test', 'silent'),
      now: () => NOW,
    },
  });
  return { request: requestsTo(context), calls };
}

const stored = (quantity: number): CartResult => ({
  ok: true,
  cart: { items: [{ productId: PRODUCT, quantity, addedAt: NOW }], updatedAt: NOW, merge: { merged: 0, dropped: 0 } },
});

describe('CartService, as each request builds it', () => {
  it("reads the viewer's cart in one script call however often a request selects it, and afresh for the next request", async () => {
    const { request, calls } = fakes(stored(2));
    const { carts } = await request(alice);
    const [a, b] = await Promise.all([carts.view(), carts.view()]);
    expect(a).toEqual(b);
    expect(await carts.view()).toEqual(a);
    expect(calls).toEqual([{ key: `cart:u:${alice.userId}`, op: 'get', at: NOW }]);
    await (await request(alice)).carts.view();
    expect(calls).toHaveLength(2);
  });

  it('shows the cart with its expiry from the time it was read and the owner’s TTL', async () => {
    const { request } = fakes(stored(3));
    expect(await (await request(anonymous)).carts.view()).toMatchObject({
      items: [{ productId: PRODUCT, quantity: 3 }],
      totalQuantity: 3,
      updatedAt: NOW,
      expiresAt: new Date(NOW.getTime() + 600_000),
    });
  });

  it('answers UNAUTHENTICATED with neither a session nor a user, before Redis is touched', async () => {
    const { request, calls } = fakes(stored(1));
    const nobody = { roles: [] };
    expect(await codeOf((await request(nobody)).carts.view())).toBe('UNAUTHENTICATED');
    expect(await codeOf((await request(nobody)).carts.add({ productId: PRODUCT, quantity: 1 }))).toBe(
      'UNAUTHENTICATED',
    );
    expect(calls).toEqual([]);
  });

  it("turns the script's refusal into a coded error", async () => {
    const { request } = fakes({ ok: false, reason: 'QUANTITY_LIMIT', current: 99 });
    expect(await codeOf((await request(alice)).carts.add({ productId: PRODUCT, quantity: 1 }))).toBe('BAD_USER_INPUT');
  });
});
