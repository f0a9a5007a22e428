import type { ApolloServerOptions, ApolloServerPlugin, BaseContext } from '@apollo/server';
import cors from 'cors';
import express, { type ErrorRequestHandler, type Request, type RequestHandler, type Response } from 'express';
import type { Redis } from 'ioredis';
import {
  createRedis,
  JWKS_PATH,
  SESSION_REFRESH_PATH,
  type Logger,
  type ReadinessCheck,
  type ServiceMetrics,
} from '@polystore/platform';
import { AccessTokenVerifier } from '../auth/access-tokens';
import { AccountsSessions } from '../auth/accounts-sessions';
import { Authenticator, identityOf } from '../auth/authenticate';
import { Revocations } from '../auth/revocations';
import { SessionCookies } from '../auth/session-cookies';
import { serviceCallers } from '../auth/service-callers';
import { acceptSessionGrants } from '../auth/session-grants';
import type { GatewayConfig } from '../config';
import { operationLimits } from '../plugins/operation-limits';
import {
  loadPersistedOperations,
  PersistedOperationCache,
  requirePersistedOperations,
  type PersistedOperation,
} from '../plugins/persisted-operations';
import { useRateLimit } from '../plugins/rate-limit';
import type { GatewayContext } from '../subgraph-source';
import { gatewayFormatError, httpErrorHandler } from './errors';

export interface FrontDoor {
  /** Express handlers for /graphql before Apollo: CORS, identity, rate limit, body. */
  before: RequestHandler[];
  /** After Apollo: HTTP-level errors (413, malformed JSON) as GraphQL-shaped JSON. */
  after: ErrorRequestHandler[];
  /** Options for the ApolloServer: limits, persisted operations, error masking. */
  apollo: Pick<
    ApolloServerOptions<BaseContext>,
    'validationRules' | 'parseOptions' | 'persistedQueries' | 'formatError' | 'allowBatchedHttpRequests'
  > & { plugins: ApolloServerPlugin<BaseContext>[] };
  /** The per-request GraphQL context: the established identity, and where accounts' session grants go. */
  context(args: { req: Request; res: Response }): Promise<GatewayContext>;
  readiness: Record<string, ReadinessCheck>;
  safelist: Map<string, PersistedOperation>;
  redis: Redis;
  /** /readyz answers 503 from now on (load balancers stop sending), in-flight requests still finish. */
  beginShutdown(): void;
  stop(): Promise<void>;
}

/**
 * Everything between the network and the query planner: the gateway's production front door.
 * See docs/adr/0008-sessions-and-tokens.md and docs/adr/0009-operation-limits.md.
 */
export async function createFrontDoor(
  config: GatewayConfig,
  deps: { metrics: ServiceMetrics; logger: Logger; accountsUrl: string },
): Promise<FrontDoor> {
  const { metrics, logger } = deps;
  const production = config.NODE_ENV === 'production';
  const redis = createRedis(config.GATEWAY_REDIS_URL, metrics, {
    keyPrefix: config.GATEWAY_REDIS_PREFIX,
    // the gateway's ACL user may not run INFO, which the ready check uses
    enableReadyCheck: false,
  });
  await redis.connect();

  const accountsSecret = config.signingSecrets['accounts'];
  if (!accountsSecret) throw new Error('ACCOUNTS_SIGNING_SECRET is not set');
  const auth = new Authenticator({
    cookies: new SessionCookies({
      secure: config.COOKIE_SECURE,
      sameSite: config.COOKIE_SAME_SITE,
      anonymousTtlMs: config.ANONYMOUS_SESSION_TTL_SECONDS * 1000,
    }),
    tokens: new AccessTokenVerifier(new URL(config.ACCOUNTS_JWKS_URL ?? new URL(JWKS_PATH, deps.accountsUrl))),
    revocations: new Revocations(redis),
    accounts: new AccountsSessions(new URL(SESSION_REFRESH_PATH, deps.accountsUrl), accountsSecret),
    logger,
  });

  const allowed = new Set(config.CORS_ORIGINS);
  const corsHandler = cors({
    origin: (origin, callback) => callback(null, origin !== undefined && allowed.has(origin)),
    credentials: true,
    methods: ['GET', 'POST'],
    allowedHeaders: ['content-type', 'apollo-require-preflight', 'x-apollo-operation-name', 'x-request-id'],
    maxAge: 600,
  });

  const mode = config.PERSISTED_OPERATIONS ?? (production ? 'require' : 'apq');
  const safelist = loadPersistedOperations(config.OPERATIONS_DIR);
  const limits = operationLimits({
    maxDepth: config.MAX_DEPTH,
    maxAliases: config.MAX_ALIASES,
    maxTokens: config.MAX_TOKENS,
    maxDirectives: config.MAX_DIRECTIVES,
    maxRootFields: config.MAX_ROOT_FIELDS,
    maxCost: config.MAX_COST,
    fieldSuggestions: config.FIELD_SUGGESTIONS ?? !production,
  });
  let shuttingDown = false;

  return {
    before: [
      corsHandler,
      serviceCallers(config.signingSecrets, {
        bodyLimit: config.BODY_LIMIT,
        onReject: () => metrics.rejectedRequests.inc({ reason: 'bad_service_signature' }),
      }),
      auth.middleware(),
      useRateLimit(redis, {
        points: config.RATE_LIMIT_POINTS,
        windowSeconds: config.RATE_LIMIT_WINDOW_SECONDS,
        onLimited: () => metrics.rejectedRequests.inc({ reason: 'rate_limited' }),
      }),
      express.json({ limit: config.BODY_LIMIT }),
      // Apollo's CSRF prevention judges a text/plain or form POST by its headers; without this,
      // a body express.json did not parse would be answered 500 instead of refused.
      (req, _res, next) => {
        if (!('body' in req)) (req as { body?: unknown }).body = undefined;
        next();
      },
      requirePersistedOperations(safelist, mode, {
        maxTokens: config.MAX_TOKENS,
        onRefused: () => metrics.rejectedRequests.inc({ reason: 'not_persisted' }),
      }),
    ],
    after: [httpErrorHandler(logger)],
    apollo: {
      parseOptions: limits.parseOptions,
      validationRules: limits.validationRules,
      persistedQueries: {
        cache: new PersistedOperationCache(safelist, mode === 'apq' ? redis : null, config.APQ_TTL_SECONDS),
        ttl: config.APQ_TTL_SECONDS,
      },
      allowBatchedHttpRequests: false,
      formatError: gatewayFormatError(production),
      plugins: limits.plugins,
    },
    async context({ req, res }) {
      const context: GatewayContext = { requestId: String(req.headers['x-request-id']), identity: identityOf(res) };
      acceptSessionGrants(context, (grant) => auth.applyGrant(res, grant));
      return context;
    },
    readiness: {
      redis: () => redis.ping(),
      accepting: async () => {
        if (shuttingDown) throw new Error('shutting down');
      },
    },
    safelist,
    redis,
    beginShutdown() {
      shuttingDown = true;
    },
    async stop() {
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
