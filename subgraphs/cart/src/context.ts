import type { Identity } from '@polystore/platform';
import type { CartService } from './cart/cart.service';
import type { Loaders } from './loaders';

export interface CartContext {
  requestId: string;
  /** Who is calling, as the gateway vouched for it in the signed request: whose cart this is. */
  viewer: Identity;
  loaders: Loaders;
  services: { carts: CartService };
}
