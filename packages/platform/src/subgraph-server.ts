import type { AddressInfo } from 'node:net';
import { ApolloServer, type BaseContext } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import {
  ApolloServerPluginInlineTraceDisabled,
  ApolloServerPluginLandingPageDisabled,
  ApolloServerPluginSchemaReportingDisabled,
  ApolloServerPluginUsageReportingDisabled,
} from '@apollo/server/plugin/disabled';
import { buildSubgraphSchema, type GraphQLResolverMap } from '@apollo/subgraph';
import { expressMiddleware } from '@as-integrations/express5';
import express, { type Request } from 'express';
import { ANONYMOUS, keepRawBody, requireGatewaySignature, type Identity, type TrustedRequest } from './gateway-trust';
import { formatError, observabilityPlugin } from './graphql-observability';
import type { ReadinessCheck } from './health';
import { createHttpApp, type HttpApp, type MetricsSettings } from './http-server';
import type { Logger } from './logger';
import { loadSubgraphSdl } from './schema-files';
import type { ServiceMetrics } from './metrics';
import type { StoreGuard } from './store-guard';
import { guardStringArguments } from './string-rule';

/** What a subgraph's context is built from, for one request. */
export interface SubgraphRequest {
  req: Request;
  /** The request's id (the http shell's `requestId` middleware has checked or made it). */
  requestId: string;
  /** Who is calling, as the gateway vouched for it in the signed request. */
  viewer: Identity;
}

export interface SubgraphServerOptions<TContext extends BaseContext> {
  /** The subgraph's name; its schema is `schema/<name>.graphql`. */
  name: string;
  /** Resolvers typed by the subgraph's generated `Resolvers` type (graphql-codegen). */
  resolvers: object;
  /** Builds the per-request context: fresh DataLoaders, services. */
  context: (request: SubgraphRequest) => Promise<TContext>;
  /** The secret this subgraph shares with the gateway (<NAME>_SIGNING_SECRET). */
  signingSecret: string;
  /**
   * The stores the service needs, each behind its guard (docs/adr/0011): /readyz checks every one
   * (an optional one makes it "degraded", not unavailable), and an error that says one could not be
   * reached answers SERVICE_UNAVAILABLE wherever it was thrown.
   */
  stores?: StoreGuard[];
  /** Readiness checks besides the stores'. */
  readiness?: Record<string, ReadinessCheck>;
  logger: Logger;
  metrics: ServiceMetrics;
  /** The service's settings every service reads the same way (`baseEnv`). */
  config: { NODE_ENV: string; SLOW_OPERATION_MS: number } & MetricsSettings;
  /** Largest request body accepted (the gateway sends queries and variables, never files). */
  bodyLimit?: string;
}

export interface SubgraphServer {
  http: HttpApp;
  listen(port: number, host: string): Promise<AddressInfo>;
  /** Stops accepting requests and waits for the in-flight ones (bounded by the drain plugin). */
  stop(): Promise<void>;
}

/** A federation subgraph on an HTTP server configured here, not by startStandaloneServer. */
export async function createSubgraphServer<TContext extends BaseContext>(
  options: SubgraphServerOptions<TContext>,
): Promise<SubgraphServer> {
  const production = options.config.NODE_ENV === 'production';
  const stores = options.stores ?? [];
  const http = createHttpApp({
    metrics: options.metrics,
    readiness: { ...Object.fromEntries(stores.map((s) => [s.store, s.readiness()])), ...options.readiness },
    config: options.config,
  });
  const apollo = new ApolloServer<TContext>({
    // Every argument of every field obeys the string rule before its resolver runs (string-rule.ts).
    schema: guardStringArguments(
      buildSubgraphSchema([
        { typeDefs: loadSubgraphSdl(options.name), resolvers: options.resolvers as GraphQLResolverMap<TContext> },
      ]),
    ),
    introspection: !production,
    includeStacktraceInErrorResponses: !production,
    formatError: formatError(production, stores),
    csrfPrevention: true,
    // runService owns the signals: one SIGTERM drains and stops; Apollo's own handler would re-send it.
    stopOnTerminationSignals: false,
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer: http.server, stopGracePeriodMillis: 10_000 }),
      ApolloServerPluginLandingPageDisabled(),
      // Federated traces (ftv1), usage and schema reports feed Apollo's hosted Studio, which Polystore
      // does not use: off whatever APOLLO_KEY or APOLLO_SCHEMA_REPORTING say (nothing leaves loopback).
      ApolloServerPluginInlineTraceDisabled(),
      ApolloServerPluginUsageReportingDisabled(),
      ApolloServerPluginSchemaReportingDisabled(),
      observabilityPlugin({
        metrics: options.metrics,
        logger: options.logger,
        slowOperationMs: options.config.SLOW_OPERATION_MS,
        stores,
      }),
    ],
  });
  await apollo.start();
  http.app.use(
    '/graphql',
    express.json({ limit: options.bodyLimit ?? '2mb', verify: keepRawBody }),
    requireGatewaySignature(options.signingSecret, {
      onReject: (reason, req) => {
        options.metrics.rejectedRequests.inc({ reason });
        options.logger.warn(
          { reason, requestId: req.header('x-request-id'), remote: req.socket.remoteAddress },
          'unsigned request refused',
        );
      },
    }),
    expressMiddleware(apollo, {
      context: async ({ req }) =>
        options.context({
          req,
          requestId: String(req.headers['x-request-id']),
          viewer: (req as TrustedRequest).identity ?? ANONYMOUS,
        }),
    }),
  );
  return {
    http,
    async listen(port, host) {
      const address = await http.listen(port, host);
      options.logger.info({ url: http.metricsUrl() }, 'metrics listening');
      return address;
    },
    async stop() {
      await apollo.stop();
      await http.closeMetrics();
      for (const store of stores) store.close();
    },
  };
}
