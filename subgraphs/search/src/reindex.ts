/**
 * npm run reindex [-- --if-empty]: build a new versioned index from the catalog, read through the
 * public graph (GRAPH_URL, the gateway, so the services must be up), and swap the alias to it.
 *   --if-empty   only when the alias points nowhere or at an empty index (scripts/start uses it)
 * Progress goes to stderr; exit 1 when it fails (the alias then still points where it did).
 */
import { configOrExit, createMetrics } from '@polystore/platform';
import { loadReindexConfig } from './config';
import { createElasticsearch } from './elasticsearch';
import { GraphCatalogSource } from './indexing/catalog-source';
import { reindex } from './indexing/reindex';
import { IndexNames, ProductIndexRepository } from './products/product-index.repository';

async function main(argv: string[]): Promise<void> {
  const config = configOrExit(() => loadReindexConfig());
  const es = createElasticsearch(config.ELASTICSEARCH_URL, createMetrics('search-reindex'), {
    requestTimeoutMs: 60_000,
    maxRetries: 3,
  });
  const repository = new ProductIndexRepository(es, new IndexNames(config.SEARCH_INDEX_ALIAS));
  try {
    if (argv.includes('--if-empty')) {
      const live = (await repository.versionedIndices()).find((i) => i.aliased);
      const count = live ? await repository.count(live.name) : 0;
      if (count > 0) {
        console.error(`search: ${config.SEARCH_INDEX_ALIAS} → ${live!.name} holds ${count} products; not reindexing`);
        return;
      }
    }
    const report = await reindex(
      repository,
      new GraphCatalogSource(config.GRAPH_URL, { service: 'search', secret: config.SEARCH_SIGNING_SECRET }),
      {
        pageSize: config.REINDEX_PAGE_SIZE,
        log: (line) => console.error(`search: ${line}`),
      },
    );
    console.error(
      `search: reindexed ${report.indexed} products into ${report.index} in ${(report.durationMs / 1000).toFixed(1)} s`,
    );
  } finally {
    await es.close();
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    console.error(`reindex failed: ${(error as Error).message}`);
    process.exit(1);
  });
}
