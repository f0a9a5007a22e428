import type { Client } from '@elastic/elasticsearch';
import {
  createLogger,
  createMetrics,
  createSubgraphServer,
  type Logger,
  type ServiceMetrics,
  type SubgraphServer,
} from '@polystore/platform';
import type { SearchConfig } from './config';
import { createContext, type SearchContext } from './context';
import { createElasticsearch, elasticsearchGuard } from './elasticsearch';
import { IndexNames, ProductIndexRepository } from './products/product-index.repository';
import { resolvers } from './resolvers';

export interface Search {
  server: SubgraphServer;
  es: Client;
  index: ProductIndexRepository;
  logger: Logger;
  metrics: ServiceMetrics;
  stop(): Promise<void>;
}

/** The composition root, shared by main.ts and the tests. */
export async function createSearch(config: SearchConfig, deps: { logger?: Logger } = {}): Promise<Search> {
  const logger = deps.logger ?? createLogger('search', config.LOG_LEVEL);
  const metrics = createMetrics('search');
  const es = createElasticsearch(config.ELASTICSEARCH_URL, metrics, {
    requestTimeoutMs: config.SEARCH_REQUEST_TIMEOUT_MS,
    maxRetries: config.SEARCH_MAX_RETRIES,
  });
  const index = new ProductIndexRepository(es, new IndexNames(config.SEARCH_INDEX_ALIAS));
  const elasticsearch = elasticsearchGuard(es, { logger, metrics });
  const server = await createSubgraphServer<SearchContext>({
    name: 'search',
    resolvers,
    signingSecret: config.SEARCH_SIGNING_SECRET,
    context: createContext({ index, store: elasticsearch }),
    // Ready when the node answers and the alias points at an index (npm run migrate creates it).
    stores: [elasticsearch],
    readiness: {
      alias: async () => {
        if (!(await elasticsearch.run(() => index.aliasExists())))
          throw new Error(`alias ${index.names.alias} missing: run npm run migrate`);
      },
    },
    logger,
    metrics,
    config,
  });
  return {
    server,
    es,
    index,
    logger,
    metrics,
    async stop() {
      await server.stop();
      await es.close();
    },
  };
}
