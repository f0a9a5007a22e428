import { graphOperation, queryGraph, type GraphCaller } from '@polystore/platform';
import type { CatalogProduct } from '../products/product.document';

export interface CatalogPage {
  products: CatalogProduct[];
  /** Active products in the catalog when the first page was read (for progress). */
  total: number;
}

/** Where a reindex reads the catalog from. The graph in production; a fake in tests of the index. */
export interface CatalogSource {
  /** Every active product once, page by page. */
  pages(pageSize: number): AsyncIterable<CatalogPage>;
}

interface ProductsPage {
  products: {
    totalCount?: number;
    edges: { node: CatalogProduct }[];
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
  };
}

/**
 * The catalog read through the public graph (the gateway), like any client: search never reads
 * the catalog's database. Newest first on the catalog's keyset cursor, so a product created while
 * a reindex runs is not met (it sorts before the cursor) rather than met twice.
 */
export class GraphCatalogSource implements CatalogSource {
  constructor(
    private readonly graphUrl: string,
    private readonly caller?: GraphCaller,
    private readonly timeoutMs = 30_000,
  ) {}

  async *pages(pageSize: number): AsyncIterable<CatalogPage> {
    let after: string | null = null;
    let total = 0;
    for (let first = true; ; first = false) {
      const data: ProductsPage = await queryGraph<ProductsPage>(
        this.graphUrl,
        { ...graphOperation('SearchReindexProducts'), variables: { first: pageSize, after, withTotal: first } },
        { clientName: 'search-reindex', timeoutMs: this.timeoutMs, caller: this.caller },
      );
      if (first) total = data.products.totalCount ?? 0;
      yield { products: data.products.edges.map((e) => e.node), total };
      if (!data.products.pageInfo.hasNextPage) return;
      after = data.products.pageInfo.endCursor;
    }
  }
}
