import type { Identity } from '@polystore/platform';
import type { Loaders } from './loaders';
import type { OrderService } from './order/order.service';

export interface OrdersContext {
  requestId: string;
  /** Who is calling, as the gateway vouched for it in the signed request. */
  viewer: Identity;
  loaders: Loaders;
  services: { orders: OrderService };
}
