import { graphOperation, queryGraph, type GraphCaller } from '@polystore/platform';

/**
 * Whether a product exists, asked of the catalog through the public graph (the gateway).
 * Accounts never reads the catalog's database (docs/adr/0003).
 */
export interface ProductDirectory {
  exists(productId: string): Promise<boolean>;
}

export class GraphProductDirectory implements ProductDirectory {
  constructor(
    private readonly graphUrl: () => string,
    private readonly caller?: GraphCaller,
    private readonly timeoutMs = 3000,
  ) {}

  async exists(productId: string): Promise<boolean> {
    const data = await queryGraph<{ product: { id: string } | null }>(
      this.graphUrl(),
      { ...graphOperation('AccountsProductExists'), variables: { id: productId } },
      { clientName: 'accounts', timeoutMs: this.timeoutMs, caller: this.caller },
    );
    return data.product !== null;
  }
}
