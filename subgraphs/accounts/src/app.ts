import type { Redis } from 'ioredis';
import {
  createLogger,
  createMetrics,
  createRedis,
  createSubgraphServer,
  optional,
  type Logger,
  type SubgraphServer,
} from '@polystore/platform';
import type { AccountsConfig } from './config';
import { createContext, createServices, type AccountsContext, type AccountsDeps } from './context';
import { createDb, type Db } from './db';
import { resolvers } from './resolvers';
import { RoleRepository } from './role/role.repository';
import { RoleService } from './role/role.service';
import { mountSessionRoutes } from './session/session.http';
import { SessionRepository } from './session/session.repository';
import { SignInThrottle } from './session/sign-in-throttle';
import { TokenIssuer } from './session/token-issuer';
import { PasswordHasher } from './user/password-hasher';
import { SignUpThrottle } from './user/sign-up-throttle';
import { UserRepository } from './user/user.repository';
import { GraphProductDirectory, type ProductDirectory } from './wishlist/product-directory';
import { WishlistRepository } from './wishlist/wishlist.repository';

export interface Accounts {
  server: SubgraphServer;
  db: Db;
  redis: Redis;
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
  const db = createDb({ url: config.ACCOUNTS_DATABASE_URL, poolSize: config.ACCOUNTS_DB_POOL_SIZE, metrics, logger });
  const userRepository = new UserRepository(db);
  const products =
    deps.products ??
    new GraphProductDirectory(() => config.GRAPH_URL, {
      service: 'accounts',
      secret: config.ACCOUNTS_SIGNING_SECRET,
    });
  // Sessions are accounts' own data: without Redis they answer SERVICE_UNAVAILABLE at once (redisCall).
  const redis = createRedis(config.ACCOUNTS_REDIS_URL, metrics, {
    keyPrefix: config.ACCOUNTS_REDIS_PREFIX,
    commandTimeout: config.REDIS_COMMAND_TIMEOUT_MS,
    logger,
  });
  await redis.connect();
  if (!config.ACCOUNTS_TOKEN_KEYS)
    logger.warn('ACCOUNTS_TOKEN_KEYS is not set: signing access tokens with a key made for this run');
  const tokens = await TokenIssuer.create(config.ACCOUNTS_TOKEN_KEYS);
  const passwords = new PasswordHasher({
    threads: config.PASSWORD_HASH_THREADS,
    maxQueue: config.PASSWORD_HASH_MAX_QUEUE,
    maxWaitMs: config.PASSWORD_HASH_MAX_WAIT_MS,
    timeoutMs: config.PASSWORD_HASH_TIMEOUT_MS,
    hashShare: config.PASSWORD_HASH_SIGN_UP_SHARE,
    registry: metrics.registry,
  });
  const serviceDeps: AccountsDeps = {
    users: userRepository,
    wishlist: new WishlistRepository(db),
    sessions: new SessionRepository(redis),
    roles: new RoleService(userRepository, new RoleRepository(db)),
    products,
    passwords,
    tokens,
    signUpThrottle: new SignUpThrottle(redis, {
      maxPerAddress: config.SIGN_UP_MAX_PER_ADDRESS,
      windowSeconds: config.SIGN_UP_THROTTLE_SECONDS,
    }),
    signInThrottle: new SignInThrottle(redis, {
      maxPerEmail: config.SIGN_IN_MAX_FAILURES_PER_EMAIL,
      maxPerAddress: config.SIGN_IN_MAX_FAILURES_PER_ADDRESS,
      windowSeconds: config.SIGN_IN_THROTTLE_SECONDS,
    }),
    sessionOptions: {
      accessTokenTtlMs: config.ACCESS_TOKEN_TTL_SECONDS * 1000,
      idleTtlMs: config.SESSION_IDLE_TTL_SECONDS * 1000,
      maxTtlMs: config.SESSION_MAX_TTL_SECONDS * 1000,
      scryptLogN: config.PASSWORD_SCRYPT_LOG_N,
    },
  };
  const server = await createSubgraphServer<AccountsContext>({
    name: 'accounts',
    resolvers,
    signingSecret: config.ACCOUNTS_SIGNING_SECRET,
    context: createContext(serviceDeps),
    stores: [db.$storeGuard()],
    // sessions: without Redis, signing in and refreshing are refused, everything else still answers
    readiness: { redis: optional(() => redis.ping()) },
    logger,
    metrics,
    config,
  });
  mountSessionRoutes(server.http.app, {
    sessionsFor: (viewer, res) => createServices(serviceDeps, viewer, res).sessions,
    tokens,
    signingSecret: config.ACCOUNTS_SIGNING_SECRET,
    logger,
    metrics,
  });
  return {
    server,
    db,
    redis,
    logger,
    metrics,
    async stop() {
      await server.stop();
      await Promise.all([db.$disconnect(), redis.quit().catch(() => redis.disconnect()), passwords.close()]);
    },
  };
}
