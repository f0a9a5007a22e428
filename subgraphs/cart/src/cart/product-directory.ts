import { graphOperation, queryGraph, type GraphCaller } from '@polystore/platform';

/** What the catalog says of a product: sold, kept for history only, or unknown. */
export type ProductAvailability = 'ACTIVE' | 'ARCHIVED' | 'MISSING';

/**
 * Whether a product can go in a cart, asked of the catalog through the public graph (the gateway),
 * like any client: the cart never reads the catalog's store (docs/adr/0003, 0005).
 */
export interface ProductDirectory {
  availability(productId: string): Promise<ProductAvailability>;
}

export class GraphProductDirectory implements ProductDirectory {
  constructor(
    private readonly graphUrl: () => string,
    private readonly caller?: GraphCaller,
    private readonly timeoutMs = 3000,
  ) {}

  async availability(productId: string): Promise<ProductAvailability> {
    const data = await queryGraph<{ product: { id: string; status: 'ACTIVE' | 'ARCHIVED' } | null }>(
      this.graphUrl(),
      { ...graphOperation('CartProductStatus'), variables: { id: productId } },
      { clientName: 'cart', timeoutMs: this.timeoutMs, caller: this.caller },
    );
    return data.product?.status ?? 'MISSING';
  }
}
