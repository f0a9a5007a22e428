import {
  checkoutPublicKey,
  createLogger,
  createMetrics,
  createSubgraphServer,
  type Logger,
  type SubgraphServer,
  transactions,
} from '@polystore/platform';
import type { PaymentsConfig } from './config';
import { createContext, type PaymentsContext } from './context';
import { createDb, type Db } from './db';
import { PaymentRepository } from './payment/payment.repository';
import type { CardProcessor } from './processor/card-processor';
import { SimulatedProcessor } from './processor/simulated-processor';
import { resolvers } from './resolvers';

export interface Payments {
  server: SubgraphServer;
  db: Db;
  logger: Logger;
  metrics: ReturnType<typeof createMetrics>;
  processor: CardProcessor;
  /** Stop taking requests, finish the in-flight ones, close the pool. */
  stop(): Promise<void>;
}

/** The processor PAYMENTS_PROCESSOR names; another provider is one more case here. */
function createProcessor(config: PaymentsConfig, logger: Logger): CardProcessor {
  switch (config.PAYMENTS_PROCESSOR) {
    case 'simulated':
      if (config.NODE_ENV === 'production')
        logger.warn('payments use the SIMULATED card processor: no real money moves');
      return new SimulatedProcessor();
  }
}

/** The composition root, shared by main.ts and the tests. */
export async function createPayments(
  config: PaymentsConfig,
  deps: { processor?: CardProcessor; logger?: Logger } = {},
): Promise<Payments> {
  const logger = deps.logger ?? createLogger('payments', config.LOG_LEVEL);
  const metrics = createMetrics('payments');
  const db = createDb({ url: config.PAYMENTS_DATABASE_URL, poolSize: config.PAYMENTS_DB_POOL_SIZE, metrics, logger });
  const repository = new PaymentRepository(db);
  const processor = deps.processor ?? createProcessor(config, logger);
  const options = {
    currency: config.STORE_CURRENCY,
    processorTimeoutMs: config.PAYMENTS_PROCESSOR_TIMEOUT_MS,
    checkoutKey: checkoutPublicKey(config.PAYMENTS_CHECKOUT_PUBLIC_KEY),
    logger,
  };
  const server = await createSubgraphServer<PaymentsContext>({
    name: 'payments',
    resolvers,
    signingSecret: config.PAYMENTS_SIGNING_SECRET,
    context: createContext({ payments: repository, processor, options, withTransaction: transactions(db) }),
    stores: [db.$storeGuard()],
    logger,
    metrics,
    config,
  });
  return {
    server,
    db,
    logger,
    metrics,
    processor,
    async stop() {
      await server.stop();
      await db.$disconnect();
    },
  };
}
