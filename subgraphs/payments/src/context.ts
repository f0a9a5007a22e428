import type { Identity } from '@polystore/platform';
import type { Loaders } from './loaders';
import type { PaymentService } from './payment/payment.service';

export interface PaymentsContext {
  requestId: string;
  /** Who is calling, as the gateway vouched for it in the signed request. */
  viewer: Identity;
  loaders: Loaders;
  services: { payments: PaymentService };
}
