import { reindex } from '../../subgraphs/search/src/indexing/reindex';
import { GraphCatalogSource } from '../../subgraphs/search/src/indexing/catalog-source';
import { TEST_SIGNING_SECRET } from '../../test-support/graphql';
import type { Sample, SampleSize } from '../../tools/src/sample-data';
import { seed } from '../../tools/src/seed';
import type { RunningPolystore } from './polystore';

/**
 * The deterministic sample store, loaded the way scripts/start loads it: `npm run seed`'s writers
 * into each service's own store, then the search index filled from the catalog through the gateway
 * (`npm run reindex`). Throws unless every active product was indexed.
 */
export async function loadSampleStore(polystore: RunningPolystore, size: SampleSize): Promise<Sample> {
  const sample = await seed(size, { ...polystore.stores, currency: 'EUR' });
  const report = await reindex(
    polystore.search.index,
    new GraphCatalogSource(polystore.url, { service: 'search', secret: `search-${TEST_SIGNING_SECRET}` }),
    { pageSize: 100, log: () => undefined },
  ).catch((error: { message: string; extensions?: unknown }) => {
    // the graph client's message alone does not say which call failed, or why
    throw new Error(`reindex through the gateway: ${error.message} ${JSON.stringify(error.extensions ?? {})}`);
  });
  const active = sample.products.filter((p) => p.status === 'ACTIVE').length;
  if (report.indexed !== active) throw new Error(`indexed ${report.indexed} products of ${active} active ones`);
  return sample;
}
