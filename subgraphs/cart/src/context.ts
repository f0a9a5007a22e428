import type { Identity, SubgraphRequest } from '@polystore/platform';
import type { CartRepository } from './cart/cart.repository';
import { CartService, type CartServiceOptions } from './cart/cart.service';
import type { ProductDirectory } from './cart/product-directory';
import { createLoaders, type Loaders } from './loaders';

/** What one request's services are bound to: who is calling (whose cart this is), and this request's loaders. */
export interface CartScope {
  /** Who is calling, as the gateway vouched for it in the signed request. */
  viewer: Identity;
  loaders: Loaders;
}

/** What the services are built from: made once, in app.ts. */
export interface CartDeps {
  carts: CartRepository;
  products: ProductDirectory;
  options: CartServiceOptions;
}

/** What a resolver gets: services only; authorization, validation and reads are theirs. */
export interface CartContext {
  requestId: string;
  services: { carts: CartService };
}

/** Per request: fresh loaders over the repository, and the services bound to this viewer and these loaders. */
export function createContext(deps: CartDeps) {
  const now = deps.options.now ?? (() => new Date());
  return async ({ requestId, viewer }: SubgraphRequest): Promise<CartContext> => {
    const scope: CartScope = { viewer, loaders: createLoaders(deps.carts, now) };
    return { requestId, services: { carts: new CartService(scope, deps.carts, deps.products, deps.options) } };
  };
}
