import type { Identity, StoreGuard, SubgraphRequest } from '@polystore/platform';
import type { ProductIndexRepository } from './products/product-index.repository';
import { SearchService } from './search/search.service';

/**
 * What one request's services are bound to: who is calling. Search resolves no entity of its own:
 * a hit's product is a reference the gateway hands to the catalog, all of a page's hits in one
 * `_entities` request (batched there by the catalog's DataLoader). So there are no loaders here.
 */
export interface SearchScope {
  /** Who is calling, as the gateway vouched for it in the signed request. */
  viewer: Identity;
}

/** What the services are built from: made once, in app.ts. */
export interface SearchDeps {
  index: ProductIndexRepository;
  /** Elasticsearch's guard (a search is refused at once while it is known down). */
  store: StoreGuard;
}

/** What a resolver gets: services only; validation and reads are theirs. */
export interface SearchContext {
  requestId: string;
  services: { search: SearchService };
}

/** Per request: the services bound to this viewer. */
export function createContext(deps: SearchDeps) {
  return async ({ requestId, viewer }: SubgraphRequest): Promise<SearchContext> => {
    const scope: SearchScope = { viewer };
    return { requestId, services: { search: new SearchService(scope, deps.index, deps.store) } };
  };
}
