import type { Identity, SubgraphRequest, WithTransaction } from '@polystore/platform';
import type { Tx } from './db';
import { createLoaders, type Loaders } from './loaders';
import type { OrderRepository } from './order/order.repository';
import { OrderService, type OrderServiceOptions } from './order/order.service';
import type { ProductCatalog } from './order/product-catalog';

/** What one request's services are bound to: who is calling, and this request's loaders. */
export interface OrdersScope {
  /** Who is calling, as the gateway vouched for it in the signed request. */
  viewer: Identity;
  loaders: Loaders;
}

/** What the services are built from: made once, in app.ts. */
export interface OrdersDeps {
  orders: OrderRepository;
  catalog: ProductCatalog;
  options: OrderServiceOptions;
  /** Runs repository writes (and their outbox rows) in one transaction. */
  withTransaction: WithTransaction<Tx>;
}

/** What a resolver gets: services only; authorization, validation and reads are theirs. */
export interface OrdersContext {
  requestId: string;
  services: { orders: OrderService };
}

/** Per request: fresh loaders over the repository, and the services bound to this viewer and these loaders. */
export function createContext(deps: OrdersDeps) {
  return async ({ requestId, viewer }: SubgraphRequest): Promise<OrdersContext> => {
    const scope: OrdersScope = { viewer, loaders: createLoaders(deps.orders) };
    return {
      requestId,
      services: { orders: new OrderService(scope, deps.orders, deps.catalog, deps.options, deps.withTransaction) },
    };
  };
}
