import type { Identity } from '@polystore/platform';
import type { SearchService } from './search/search.service';

/**
 * Search resolves no entity of its own: a hit's product is a reference the gateway hands to the
 * catalog, all of a page's hits in one `_entities` request (batched there by the catalog's
 * DataLoader). So there are no per-request loaders here.
 */
export interface SearchContext {
  requestId: string;
  /** Who is calling, as the gateway vouched for it in the signed request. */
  viewer: Identity;
  services: { search: SearchService };
}
