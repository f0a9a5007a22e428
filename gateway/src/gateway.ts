import { readFileSync } from 'node:fs';
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
import { createSubgraphServices } from './subgraph-services';
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

/** The subgraph names and URLs a supergraph declares (`@join__graph(name:, url:)`). */
export function subgraphsOf(supergraphSdl: string): { name: string; url: string }[] {
  return [...supergraphSdl.matchAll(/@join__graph\(name: "([^"]+)", url: "([^"]+)"\)/g)].map((m) => ({
    name: m[1]!,
    url: m[2]!,
  }));
}

export interface GatewayDeps {
  logger?: Logger;
}

/** ApolloGateway + ApolloServer on an HTTP server configured here (not startStandaloneServer's defaults). */
export async function createGateway(config: GatewayConfig, deps: GatewayDeps = {}): Promise<Gateway> {
  const logger = deps.logger ?? createLogger('gateway', config.LOG_LEVEL);
  const metrics = createMetrics('gateway');
  const production = config.NODE_ENV === 'production';
  const supergraphSdl = readFileSync(config.SUPERGRAPH_PATH, 'utf8');
  const subgraphs = subgraphsOf(supergraphSdl).map((s) => ({ ...s, url: config.subgraphUrls[s.name] ?? s.url }));

  for (const s of subgraphs) {
    if (!config.signingSecrets[s.name]) throw new Error(`${s.name.toUpperCase()}_SIGNING_SECRET is not set`);
  }
  const gatewayMetrics = createGatewayMetrics(metrics.registry);
  const planCache = new InstrumentedPlanCache(config.QUERY_PLAN_CACHE_MB * 2 ** 20, gatewayMetrics);
  const services = createSubgraphServices(config, { logger, metrics: gatewayMetrics });
  const gateway = withApolloTelemetry(
    config.GATEWAY_APOLLO_TELEMETRY,
    () =>
      new ApolloGateway({
        supergraphSdl,
        queryPlannerConfig: { cache: planCache },
        buildService: services.buildService,
      }),
  );
  const accountsUrl = subgraphs.find((s) => s.name === 'accounts')?.url;
  if (!accountsUrl) throw new Error('the supergraph has no accounts subgraph, which sessions need');
  const frontDoor = await createFrontDoor(config, { metrics, logger, accountsUrl });

  const http = createHttpApp({
    metrics,
    config,
    readiness: {
      // A subgraph that is not ready leaves the gateway "degraded", not unavailable: it still answers
      // everything else (docs/adr/0010), and draining the gateways would not bring the subgraph back.
      ...Object.fromEntries(
        subgraphs.map((s) => [
          s.name,
          optional(async () => {
            const response = await fetch(new URL('/readyz', s.url), { signal: AbortSignal.timeout(1500) });
            if (!response.ok) throw new Error(`HTTP ${response.status}`);
          }),
        ]),
      ),
      ...frontDoor.readiness,
    },
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
