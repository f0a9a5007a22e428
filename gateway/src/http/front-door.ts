import type { ApolloServerOptions, ApolloServerPlugin, BaseContext } from '@apollo/server';
import cors from 'cors';
import express, { type ErrorRequestHandler, type Request, type RequestHandler, type Response } from 'express';
import type { Redis } from 'ioredis';
import {
  createRedis,
  JWKS_PATH,
  optional,
  rateLimitedWarn,
  redisFailure,
  SESSION_REFRESH_PATH,
  type Logger,
  type ReadinessCheck,
  type ServiceMetrics,
} from '@polystore/platform';
import { AccessTokenVerifier } from '../auth/access-tokens';
import { AccountsSessions } from '../auth/accounts-sessions';
import { anonymousCallers, Authenticator, identityOf } from '../auth/authenticate';
import { Revocations } from '../auth/revocations';
import { SessionCookies } from '../auth/session-cookies';
import { serviceCallers } from '../auth/service-callers';
import { acceptSessionGrants } from '../auth/session-grants';
import type { GatewayConfig } from '../config';
import type { GatewayMetrics } from '../plugins/metrics';
import { operationLimits } from '../plugins/operation-limits';
import { knownOperationTypesRule, operationResolutionPlugin } from '../plugins/operation-resolution';
import {
  checkPersistedQueries,
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
  /** The gateway's Redis; undefined in development without GATEWAY_REDIS_URL. */
  redis: Redis | undefined;
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
  deps: { metrics: ServiceMetrics; gatewayMetrics: GatewayMetrics; logger: Logger },
): Promise<FrontDoor> {
  const { metrics, logger } = deps;
  const production = config.NODE_ENV === 'production';
  let redis: Redis | undefined;
  if (config.GATEWAY_REDIS_URL) {
    redis = createRedis(config.GATEWAY_REDIS_URL, metrics, {
      keyPrefix: config.GATEWAY_REDIS_PREFIX,
      commandTimeout: config.REDIS_COMMAND_TIMEOUT_MS,
      logger,
    });
    await redis.connect();
  } else {
    // config.ts refuses this in production
    logger.warn(
      'GATEWAY_REDIS_URL is not set: rate limits, automatic persisted queries and session revocations are kept in this process only (development)',
    );
  }
  // While Redis cannot answer, each of these is done in this process instead: counted, and logged
  // at most every 10 s per kind (docs/adr/0008, "When a store is down").
  const warn = rateLimitedWarn(logger);
  const fallback = (use: string) => (error: unknown) => {
    metrics.storeFallbacks.inc({ store: 'redis', use });
    warn(
      use,
      { store: 'redis', use, reason: redisFailure(error) ?? 'error' },
      `Redis unavailable: ${use} in this process`,
    );
  };

  const sessions = config.sessions;
  const auth = sessions
    ? new Authenticator({
        cookies: new SessionCookies({
          secure: config.COOKIE_SECURE,
          sameSite: config.COOKIE_SAME_SITE,
          anonymousTtlMs: config.ANONYMOUS_SESSION_TTL_SECONDS * 1000,
        }),
        tokens: new AccessTokenVerifier(new URL(config.ACCOUNTS_JWKS_URL ?? new URL(JWKS_PATH, sessions.url))),
        revocations: new Revocations(redis, {
          onUnavailable: (action, error) => fallback(`revocations_${action}`)(error),
        }),
        accounts: new AccountsSessions(new URL(SESSION_REFRESH_PATH, sessions.url), sessions.signingSecret!),
        logger,
        onOutcome: (outcome) => deps.gatewayMetrics.sessions.inc({ outcome }),
      })
    : undefined;
  if (!sessions) logger.info('sessions are off: the supergraph has no sessions subgraph (SESSIONS_SUBGRAPH)');

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
      auth ? auth.middleware() : anonymousCallers(),
      useRateLimit(redis, {
        points: config.RATE_LIMIT_POINTS,
        windowSeconds: config.RATE_LIMIT_WINDOW_SECONDS,
        onLimited: () => metrics.rejectedRequests.inc({ reason: 'rate_limited' }),
        onFallback: fallback('rate_limit'),
      }),
      express.json({ limit: config.BODY_LIMIT }),
      // Apollo's CSRF prevention judges a text/plain or form POST by its headers; without this,
      // a body express.json did not parse would be answered 500 instead of refused.
      (req, _res, next) => {
        if (!('body' in req)) (req as { body?: unknown }).body = undefined;
        next();
      },
      checkPersistedQueries(),
      requirePersistedOperations(safelist, mode, {
        maxTokens: config.MAX_TOKENS,
        onRefused: () => metrics.rejectedRequests.inc({ reason: 'not_persisted' }),
      }),
    ],
    after: [httpErrorHandler(logger)],
    apollo: {
      parseOptions: limits.parseOptions,
      validationRules: [...limits.validationRules, knownOperationTypesRule],
      persistedQueries: {
        cache: new PersistedOperationCache(
          safelist,
          mode === 'apq' ? { redis, onFallback: fallback('apq') } : null,
          config.APQ_TTL_SECONDS,
        ),
        ttl: config.APQ_TTL_SECONDS,
      },
      allowBatchedHttpRequests: false,
      formatError: gatewayFormatError(production),
      plugins: [...limits.plugins, operationResolutionPlugin()],
    },
    async context({ req, res }) {
      const context: GatewayContext = { requestId: String(req.headers['x-request-id']), identity: identityOf(res) };
      if (auth) acceptSessionGrants(context, (grant) => auth.applyGrant(res, grant));
      return context;
    },
    readiness: {
      // without Redis the gateway limits and checks sessions in process (docs/redis-clients.md): degraded
      ...(redis ? { redis: optional(() => redis.ping()) } : {}),
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
      await redis?.quit().catch(() => redis.disconnect());
    },
  };
}
