import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import {
  ApolloServerPluginLandingPageDisabled,
  ApolloServerPluginSchemaReportingDisabled,
  ApolloServerPluginUsageReportingDisabled,
} from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import {
  createHttpApp,
  createLogger,
  createMetrics,
  observabilityPlugin,
  optional,
  type ReadinessCheck,
  type HttpApp,
  type Logger,
  schemaDir,
  type ServiceMetrics,
} from '@polystore/platform';
import type { GatewayConfig } from './config';
import { createFrontDoor, type FrontDoor } from './http/front-door';
import { createExplorer } from './explorer/explorer';
import { InstrumentedPlanCache } from './plan-cache';
import { createGatewayMetrics } from './plugins/metrics';
import { retryAfterPlugin } from './plugins/retry-after';
import { explorerEnabled } from './resilience-config';
import type { SubgraphSettings } from './subgraph-config';
import { createSubgraphServices, type SubgraphServices } from './subgraph-services';
import type { GatewayContext } from './subgraph-source';
import { withApolloTelemetry } from './telemetry';

export interface Gateway {
  http: HttpApp;
  frontDoor: FrontDoor;
  logger: Logger;
  metrics: ServiceMetrics;
  listen(port: number, host: string): Promise<AddressInfo>;
  stop(): Promise<void>;
}

export interface GatewayDeps {
  logger?: Logger;
}

/** ApolloGateway + ApolloServer on an HTTP server configured here (not startStandaloneServer's defaults). */
export async function createGateway(config: GatewayConfig, deps: GatewayDeps = {}): Promise<Gateway> {
  const logger = deps.logger ?? createLogger('gateway', config.LOG_LEVEL);
  const metrics = createMetrics('gateway');
  const production = config.NODE_ENV === 'production';
  const { supergraphSdl, subgraphs } = config;
  for (const warning of config.warnings) logger.warn(warning);
  const gatewayMetrics = createGatewayMetrics(metrics.registry);
  const planCache = new InstrumentedPlanCache(config.QUERY_PLAN_CACHE_MB * 2 ** 20, gatewayMetrics);
  const services = createSubgraphServices(config, { logger, metrics: gatewayMetrics });
  const gateway = withApolloTelemetry(
    config.GATEWAY_APOLLO_TELEMETRY,
    () =>
      new ApolloGateway({
        supergraphSdl,
        queryPlannerConfig: { cache: planCache },
        // The plan a client asks for with `Apollo-Query-Plan-Experimental` names every subgraph:
        // development only, by the gateway's own setting (its default reads process.env.NODE_ENV).
        __exposeQueryPlanExperimental: !production,
        buildService: services.buildService,
      }),
  );
  const frontDoor = await createFrontDoor(config, { metrics, gatewayMetrics, logger });

  const http = createHttpApp({
    metrics,
    config,
    readiness: { ...subgraphReadiness(subgraphs, services), ...frontDoor.readiness },
  });
  // Behind a proxy, the client address comes from X-Forwarded-For of the proxies trusted here.
  http.app.set('trust proxy', config.TRUST_PROXY);

  const apollo = new ApolloServer({
    gateway,
    introspection: !production,
    includeStacktraceInErrorResponses: !production,
    csrfPrevention: true,
    ...frontDoor.apollo,
    // runService owns the signals: one SIGTERM drains and stops; Apollo's own handler would re-send it.
    stopOnTerminationSignals: false,
    plugins: [
      ...frontDoor.apollo.plugins,
      ApolloServerPluginDrainHttpServer({ httpServer: http.server, stopGracePeriodMillis: 10_000 }),
      ApolloServerPluginLandingPageDisabled(),
      // Usage and schema reports go to Apollo's hosted Studio: off whatever APOLLO_KEY and
      // APOLLO_SCHEMA_REPORTING say (docs/egress.md).
      ApolloServerPluginUsageReportingDisabled(),
      ApolloServerPluginSchemaReportingDisabled(),
      retryAfterPlugin(),
      observabilityPlugin({ metrics, logger, slowOperationMs: config.SLOW_OPERATION_MS }),
    ],
  });
  await apollo.start();
  if (explorerEnabled(config)) {
    http.app.use(createExplorer({ endpoint: '/graphql', operationsDir: path.join(schemaDir(), 'operations'), logger }));
  }
  http.app.use(
    '/graphql',
    ...frontDoor.before,
    expressMiddleware(apollo, { context: (args): Promise<GatewayContext> => frontDoor.context(args) }),
    ...frontDoor.after,
  );
  return {
    http,
    frontDoor,
    logger,
    metrics,
    async listen(port, host) {
      const address = await http.listen(port, host);
      logger.info({ url: http.metricsUrl() }, 'metrics listening');
      return address;
    },
    async stop() {
      frontDoor.beginShutdown();
      await apollo.stop();
      await services.close();
      await frontDoor.stop();
      await http.closeMetrics();
    },
  };
}

/**
 * /readyz's check of each subgraph, as its settings say (docs/gateway.md): by default `{ __typename }`
 * through the gateway's own client (signed when it has a secret), which any subgraph answers; or a
 * GET of a health URL answering 2xx; or none.
 */
function subgraphReadiness(subgraphs: SubgraphSettings[], services: SubgraphServices) {
  // A subgraph that does not answer leaves the gateway "degraded", not unavailable: it still answers
  // everything else (docs/adr/0010), and draining the gateways would not bring the subgraph back.
  const checks: Record<string, ReadinessCheck> = {};
  for (const subgraph of subgraphs) {
    const { readiness } = subgraph;
    if (readiness.kind === 'graphql') checks[subgraph.name] = optional(() => services.probe(subgraph.name));
    if (readiness.kind === 'url') {
      checks[subgraph.name] = optional(async () => {
        const response = await fetch(readiness.url, { signal: AbortSignal.timeout(1500) });
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
      });
    }
  }
  return checks;
}
