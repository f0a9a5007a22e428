import { AppError, ErrorCode } from '@polystore/platform';

/**
 * Whether a product exists, asked of the catalog through the public graph (the gateway).
 * Accounts never reads the catalog's database; this is a read through the API, like any client's.
 */
export interface ProductDirectory {
  exists(productId: string): Promise<boolean>;
}

const QUERY = 'query AccountsProductExists($id: ID!) { product(id: $id) { id } }';

export class GraphProductDirectory implements ProductDirectory {
  constructor(
    private readonly graphUrl: () => string,
    private readonly timeoutMs = 3000,
  ) {}

  async exists(productId: string): Promise<boolean> {
    let response: Response;
    try {
      response = await fetch(this.graphUrl(), {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'apollographql-client-name': 'accounts' },
        body: JSON.stringify({ query: QUERY, operationName: 'AccountsProductExists', variables: { id: productId } }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      throw unavailable(`the catalog could not be reached (${(error as Error).message})`);
    }
    const body = (await response.json().catch(() => null)) as {
      data?: { product: { id: string } | null };
      errors?: { message: string }[];
    } | null;
    if (!response.ok || !body?.data || body.errors?.length) {
      throw unavailable(body?.errors?.[0]?.message ?? `HTTP ${response.status}`);
    }
    return body.data.product !== null;
  }
}

function unavailable(detail: string): AppError {
  return new AppError(ErrorCode.SERVICE_UNAVAILABLE, 'The product could not be checked right now; try again', {
    detail,
  });
}
