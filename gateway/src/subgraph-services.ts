import type { GraphQLDataSource } from '@apollo/gateway';
import type { Fetcher } from '@apollo/utils.fetcher';
import type { Logger } from '@polystore/platform';
import type { GatewayConfig } from './config';
import { createSubgraphClient, type SubgraphClient } from './fetcher';
import type { GatewayMetrics } from './plugins/metrics';
import { subgraphClientSettings } from './resilience-config';
import { ResilientDataSource } from './resilient-source';
import { signingFetcher, unsignedFetcher } from './subgraph-source';

export interface SubgraphServices {
  /** ApolloGateway's `buildService`: one resilient data source per subgraph, signed when it has a secret. */
  buildService(definition: { name: string; url?: string }): GraphQLDataSource;
  /** The clients built so far, by subgraph name (their breaker state, for tests and health). */
  readonly clients: ReadonlyMap<string, SubgraphClient>;
  /**
   * Readiness: `{ __typename }` sent to the subgraph as the gateway sends any fetch (its own client,
   * signed when it has a secret); resolves when it answers with data, which any subgraph does.
   */
  probe(name: string): Promise<void>;
  close(): Promise<void>;
}

const PROBE = JSON.stringify({ query: '{ __typename }' });

/** Every subgraph's client: undici pool, deadline, retries for queries, breaker; requests signed. */
export function createSubgraphServices(
  config: GatewayConfig,
  deps: { logger: Logger; metrics: GatewayMetrics },
): SubgraphServices {
  const clients = new Map<string, SubgraphClient>();
  const fetchers = new Map<string, { url: string; fetcher: Fetcher }>();
  return {
    clients,
    buildService({ name, url }) {
      const settings = config.subgraphs.find((s) => s.name === name);
      const target = settings?.url ?? url;
      if (!target) throw new Error(`no URL for subgraph ${name}`);
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
      const secret = settings?.signingSecret;
      const fetcher = secret ? signingFetcher(secret, client.fetcher) : unsignedFetcher(client.fetcher);
      fetchers.set(name, { url: target, fetcher });
      return new ResilientDataSource({
        name,
        url: target,
        fetcher,
        logger: deps.logger,
        acceptsSessionGrants: name === config.sessions?.name,
      });
    },
    async probe(name) {
      const subgraph = fetchers.get(name);
      if (!subgraph) throw new Error('not loaded yet');
      const response = await subgraph.fetcher(subgraph.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: PROBE,
      });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const answer = (await response.json().catch(() => null)) as { data?: { __typename?: unknown } } | null;
      if (typeof answer?.data?.__typename !== 'string') throw new Error('no data in its answer');
    },
    async close() {
      await Promise.all([...clients.values()].map((c) => c.close()));
    },
  };
}
