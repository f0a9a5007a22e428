import {
  createLogger,
  createMetrics,
  createSubgraphServer,
  loadSubgraphSdl,
  type Logger,
  type SubgraphServer,
} from '@polystore/platform';
import type { AccountsConfig } from './config';
import type { AccountsContext } from './context';
import { createDb, type Db } from './db';
import { createLoaders } from './loaders';
import { resolvers } from './resolvers';
import { UserRepository } from './user/user.repository';
import { UserService } from './user/user.service';
import { GraphProductDirectory, type ProductDirectory } from './wishlist/product-directory';
import { WishlistRepository } from './wishlist/wishlist.repository';
import { WishlistService } from './wishlist/wishlist.service';

export interface Accounts {
  server: SubgraphServer;
  db: Db;
  logger: Logger;
  metrics: ReturnType<typeof createMetrics>;
  /** Stop taking requests, finish the in-flight ones, close the pool. */
  stop(): Promise<void>;
}

/** The composition root, shared by main.ts and the tests. */
export async function createAccounts(
  config: AccountsConfig,
  deps: { products?: ProductDirectory; logger?: Logger } = {},
): Promise<Accounts> {
  const logger = deps.logger ?? createLogger('accounts', config.LOG_LEVEL);
  const metrics = createMetrics('accounts');
  const db = createDb({ url: config.ACCOUNTS_DATABASE_URL, poolSize: config.ACCOUNTS_DB_POOL_SIZE, metrics });
  const userRepository = new UserRepository(db);
  const wishlistRepository = new WishlistRepository(db);
  const products = deps.products ?? new GraphProductDirectory(() => config.GRAPH_URL);
  const services = {
    users: new UserService(userRepository, { scryptLogN: config.PASSWORD_SCRYPT_LOG_N }),
    wishlist: new WishlistService(wishlistRepository, userRepository, products),
  };
  const server = await createSubgraphServer<AccountsContext>({
    name: 'accounts',
    typeDefs: loadSubgraphSdl('accounts'),
    resolvers,
    signingSecret: config.ACCOUNTS_SIGNING_SECRET,
    context: async (req, viewer) => ({
      requestId: String(req.headers['x-request-id']),
      viewer,
      loaders: createLoaders(userRepository, wishlistRepository),
      services,
    }),
    readiness: { postgres: () => db.$queryRaw`SELECT 1` },
    logger,
    metrics,
    production: config.NODE_ENV === 'production',
    slowOperationMs: config.SLOW_OPERATION_MS,
  });
  return {
    server,
    db,
    logger,
    metrics,
    async stop() {
      await server.stop();
      await db.$disconnect();
    },
  };
}
