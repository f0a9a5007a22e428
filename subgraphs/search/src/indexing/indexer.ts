import { toDocument, type CatalogProduct } from '../products/product.document';
import type { BulkOutcome, ProductIndexRepository } from '../products/product-index.repository';

/**
 * Writes catalog products into the index. `npm run reindex` uses it for every page it reads from
 * the graph; catalog events will use it for each change once they exist. Until then the live
 * index is as fresh as the last reindex (docs/adr/0007-search.md).
 */
export class ProductIndexer {
  constructor(private readonly repository: ProductIndexRepository) {}

  /**
   * Index (or update) products in one bulk round trip, by default into the index the alias points
   * at. Archived products are kept with their status, so an older ACTIVE version arriving late
   * cannot bring them back; searches only ever match ACTIVE ones. An update older than what the
   * index holds is skipped and counted as `stale`.
   */
  async indexProducts(
    products: readonly CatalogProduct[],
    options: { index?: string; refresh?: boolean } = {},
  ): Promise<BulkOutcome> {
    return this.repository.bulkIndex(
      options.index ?? this.repository.names.alias,
      products.map((product) => ({ document: toDocument(product), version: product.version })),
      { refresh: options.refresh ?? false },
    );
  }
}
