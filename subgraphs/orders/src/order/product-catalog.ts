import { queryGraph } from '@polystore/platform';

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

/** One request to the gateway for every product of an order: one aliased field per product. */
export class GraphProductCatalog implements ProductCatalog {
  constructor(
    private readonly graphUrl: () => string,
    private readonly timeoutMs = 3000,
  ) {}

  async lookup(ids: readonly string[]): Promise<Map<string, ProductSnapshot>> {
    if (!ids.length) return new Map();
    const variables = Object.fromEntries(ids.map((id, i) => [`p${i}`, id]));
    const query =
      `query OrdersProductSnapshots(${ids.map((_, i) => `$p${i}: ID!`).join(', ')}) { ` +
      ids.map((_, i) => `p${i}: product(id: $p${i}) { id name status price { amount currency } }`).join(' ') +
      ' }';
    const data = await queryGraph<Record<string, ProductSnapshot | null>>(
      this.graphUrl(),
      { query, operationName: 'OrdersProductSnapshots', variables },
      { clientName: 'orders', timeoutMs: this.timeoutMs },
    );
    const found = new Map<string, ProductSnapshot>();
    for (const product of Object.values(data)) if (product) found.set(product.id, product);
    return found;
  }
}
