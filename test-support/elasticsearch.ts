import { createMetrics } from '@polystore/platform';
import { createElasticsearch } from '../subgraphs/search/src/elasticsearch';
import { deployProductIndex } from '../subgraphs/search/src/products/deploy';
import { IndexNames, ProductIndexRepository } from '../subgraphs/search/src/products/product-index.repository';
import { requireVar, stackEnv, uniqueSuffix } from './stack-env';

export interface TestIndex {
  url: string;
  /** `products_t_<suffix>`: its indices are `<alias>_v<N>`, its template `<alias>`. */
  alias: string;
  drop(): Promise<void>;
}

/**
 * A search alias of one test file's own on the real Elasticsearch node (the stack's, or `node`): the template applied and
 * `<alias>_v1` created behind it by the search service's own deploy step. `drop` deletes every
 * index and the template it made.
 */
export async function createTestIndex(prefix = 'products', node?: string): Promise<TestIndex> {
  const url = node ?? requireVar(stackEnv(), 'ELASTICSEARCH_URL');
  const alias = `${prefix}_t_${uniqueSuffix()}`;
  const es = createElasticsearch(url, createMetrics('test'));
  const repository = new ProductIndexRepository(es, new IndexNames(alias));
  try {
    await deployProductIndex(repository);
  } finally {
    await es.close();
  }
  return {
    url,
    alias,
    async drop() {
      const client = createElasticsearch(url, createMetrics('test'));
      const repo = new ProductIndexRepository(client, new IndexNames(alias));
      try {
        await repo.deleteIndices((await repo.versionedIndices()).map((i) => i.name));
        await repo.deleteTemplate();
      } finally {
        await client.close();
      }
    },
  };
}
