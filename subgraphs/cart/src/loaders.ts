import type { Identity } from '@polystore/platform';
import DataLoader from 'dataloader';
import type { CartView } from './cart/cart.model';
import type { CartService } from './cart/cart.service';

/**
 * Fresh per request. A request has one viewer and so one cart: however many times an operation
 * selects `cart` (aliases, fragments), it costs one Redis round trip. The cart resolves no entity
 * references itself: `CartItem.product` is a reference the gateway sends to catalog in one batch.
 */
export function createLoaders(carts: CartService, viewer: Identity) {
  return {
    viewerCart: new DataLoader<'viewer', CartView>(async (keys) => {
      const cart = await carts.view(viewer);
      return keys.map(() => cart);
    }),
  };
}
export type Loaders = ReturnType<typeof createLoaders>;
