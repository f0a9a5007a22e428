import { graphOperation, queryGraph, type GraphCaller } from '@polystore/platform';

/** A product as the catalog describes it now: what an order line copies. */
export interface ProductSnapshot {
  id: string;
  name: string;
  status: 'ACTIVE' | 'ARCHIVED';
  price: { amount: number; currency: string };
}

/**
 * The catalog's current name, status and price of products, read through the public graph (the
 * gateway) like any client; orders never reads the catalog's database (docs/adr/0003, 0006).
 */
export interface ProductCatalog {
  /** The products that exist, by id; unknown ids are simply absent. */
  lookup(ids: readonly string[]): Promise<Map<string, ProductSnapshot>>;
}

/** One request to the gateway for every product of an order (a fixed, safelisted operation). */
export class GraphProductCatalog implements ProductCatalog {
  constructor(
    private readonly graphUrl: () => string,
    private readonly caller?: GraphCaller,
    private readonly timeoutMs = 3000,
  ) {}

  async lookup(ids: readonly string[]): Promise<Map<string, ProductSnapshot>> {
    if (!ids.length) return new Map();
    const data = await queryGraph<{ productsByIds: (ProductSnapshot | null)[] }>(
      this.graphUrl(),
      { ...graphOperation('OrdersProductSnapshots'), variables: { ids } },
      { clientName: 'orders', timeoutMs: this.timeoutMs, caller: this.caller },
    );
    const found = new Map<string, ProductSnapshot>();
    for (const product of data.productsByIds) if (product) found.set(product.id, product);
    return found;
  }
}
