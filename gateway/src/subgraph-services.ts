import type { GraphQLDataSource } from '@apollo/gateway';
import type { Logger } from '@polystore/platform';
import type { GatewayConfig } from './config';
import { createSubgraphClient, type SubgraphClient } from './fetcher';
import type { GatewayMetrics } from './plugins/metrics';
import { subgraphClientSettings } from './resilience-config';
import { ResilientDataSource } from './resilient-source';
import { signingFetcher } from './subgraph-source';

export interface SubgraphServices {
  /** ApolloGateway's `buildService`: one resilient, signing data source per subgraph. */
  buildService(definition: { name: string; url?: string }): GraphQLDataSource;
  /** The clients built so far, by subgraph name (their breaker state, for tests and health). */
  readonly clients: ReadonlyMap<string, SubgraphClient>;
  close(): Promise<void>;
}

/** Every subgraph's client: undici pool, deadline, retries for queries, breaker; requests signed. */
export function createSubgraphServices(
  config: GatewayConfig,
  deps: { logger: Logger; metrics: GatewayMetrics },
): SubgraphServices {
  const clients = new Map<string, SubgraphClient>();
  return {
    clients,
    buildService({ name, url }) {
      const target = config.subgraphUrls[name] ?? url;
      if (!target) throw new Error(`no URL for subgraph ${name}`);
      const secret = config.signingSecrets[name];
      if (!secret) throw new Error(`${name.toUpperCase()}_SIGNING_SECRET is not set`);
      const client = createSubgraphClient({
        name,
        url: target,
        settings: subgraphClientSettings(config, name),
        metrics: deps.metrics,
        logger: deps.logger,
      });
      clients
        .get(name)
        ?.close()
        .catch(() => undefined);
      clients.set(name, client);
      return new ResilientDataSource({
        name,
        url: target,
        fetcher: signingFetcher(secret, client.fetcher),
        logger: deps.logger,
      });
    },
    async close() {
      await Promise.all([...clients.values()].map((c) => c.close()));
    },
  };
}
