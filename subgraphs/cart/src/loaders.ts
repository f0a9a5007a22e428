import DataLoader from 'dataloader';
import type { CartOwner } from './cart/cart.owner';
import type { CartRepository, CartResult } from './cart/cart.repository';

/** The cart as one script call found it, and when. */
export interface CartRead {
  result: CartResult;
  at: Date;
}

/**
 * Fresh per request. A request has one viewer and so one cart: however many times an operation
 * selects `cart` (aliases, fragments), it costs one Redis round trip. The cart resolves no entity
 * references itself: `CartItem.product` is a reference the gateway sends to catalog in one batch.
 */
export function createLoaders(carts: CartRepository, now: () => Date) {
  return {
    cartByOwner: new DataLoader<CartOwner, CartRead, string>(
      (owners) =>
        Promise.all(
          owners.map(async (owner) => {
            const at = now();
            return { result: await carts.apply(owner, { op: 'get' }, at), at };
          }),
        ),
      { cacheKeyFn: (owner) => owner.key },
    ),
  };
}
export type Loaders = ReturnType<typeof createLoaders>;
