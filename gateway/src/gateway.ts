import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import {
  createHttpApp,
  createLogger,
  createMetrics,
  observabilityPlugin,
  type HttpApp,
  type Logger,
  type ServiceMetrics,
} from '@polystore/platform';
import type { Fetcher } from '@apollo/utils.fetcher';
import type { GatewayConfig } from './config';
import { createFrontDoor, type FrontDoor } from './http/front-door';
import { PolystoreDataSource, signingFetcher, type GatewayContext } from './subgraph-source';

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
  const gateway = new ApolloGateway({
    supergraphSdl,
    buildService: ({ name, url }) =>
      new PolystoreDataSource({
        url: config.subgraphUrls[name] ?? url,
        fetcher: signingFetcher(config.signingSecrets[name]!, fetch as unknown as Fetcher),
        acceptsSessionGrants: name === 'accounts',
      }),
  });
  const accountsUrl = subgraphs.find((s) => s.name === 'accounts')?.url;
  if (!accountsUrl) throw new Error('the supergraph has no accounts subgraph, which sessions need');
  const frontDoor = await createFrontDoor(config, { metrics, logger, accountsUrl });

  const http = createHttpApp({
    metrics,
    readiness: {
      ...Object.fromEntries(
        subgraphs.map((s) => [
          s.name,
          async () => {
            const response = await fetch(new URL('/readyz', s.url), { signal: AbortSignal.timeout(1500) });
            if (!response.ok) throw new Error(`HTTP ${response.status}`);
          },
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
      observabilityPlugin({ metrics, logger, slowOperationMs: config.SLOW_OPERATION_MS }),
    ],
  });
  await apollo.start();
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
    listen: (port, host) => http.listen(port, host),
    async stop() {
      frontDoor.beginShutdown();
      await apollo.stop();
      await frontDoor.stop();
    },
  };
}
