import type { Identity, SubgraphRequest, WithTransaction } from '@polystore/platform';
import type { Tx } from './db';
import { createLoaders, type Loaders } from './loaders';
import type { PaymentRepository } from './payment/payment.repository';
import { PaymentService, type PaymentServiceOptions } from './payment/payment.service';
import type { CardProcessor } from './processor/card-processor';

/** What one request's services are bound to: who is calling, and this request's loaders. */
export interface PaymentsScope {
  /** Who is calling, as the gateway vouched for it in the signed request. */
  viewer: Identity;
  loaders: Loaders;
}

/** What the services are built from: made once, in app.ts. */
export interface PaymentsDeps {
  payments: PaymentRepository;
  processor: CardProcessor;
  options: PaymentServiceOptions;
  /** Runs repository writes (and their outbox rows) in one transaction. */
  withTransaction: WithTransaction<Tx>;
}

/** What a resolver gets: services only; authorization, validation and reads are theirs. */
export interface PaymentsContext {
  requestId: string;
  services: { payments: PaymentService };
}

/** Per request: fresh loaders over the repository, and the services bound to this viewer and these loaders. */
export function createContext(deps: PaymentsDeps) {
  return async ({ requestId, viewer }: SubgraphRequest): Promise<PaymentsContext> => {
    const scope: PaymentsScope = { viewer, loaders: createLoaders(deps.payments) };
    return {
      requestId,
      services: {
        payments: new PaymentService(scope, deps.payments, deps.processor, deps.options, deps.withTransaction),
      },
    };
  };
}
