import type { Identity, SubgraphRequest } from '@polystore/platform';
import type { CategoryCache } from './category/category.cache';
import type { CategoryRepository } from './category/category.repository';
import { CategoryService } from './category/category.service';
import { createLoaders, type Loaders } from './loaders';
import type { ProductDoc } from './models';
import type { ProductCache } from './product/product.cache';
import type { ProductRepository } from './product/product.repository';
import { ProductService, type ProductServiceOptions } from './product/product.service';
import type { SharedLoads } from './product/shared-loads';

/** What one request's services are bound to: who is calling, and this request's loaders. */
export interface CatalogScope {
  /** Who is calling, as the gateway vouched for it in the signed request. */
  viewer: Identity;
  loaders: Loaders;
}

/** What the services are built from: made once, in app.ts (the caches are the process's). */
export interface CatalogDeps {
  products: ProductRepository;
  categories: CategoryRepository;
  productCache: ProductCache;
  categoryCache: CategoryCache;
  /** Product loads that concurrent requests share (loaders.ts). */
  storeLoads: SharedLoads<ProductDoc>;
  options: ProductServiceOptions;
}

/** What a resolver gets: services only; authorization, validation and reads are theirs. */
export interface CatalogContext {
  requestId: string;
  services: { products: ProductService; categories: CategoryService };
}

/** Per request: fresh loaders over the repository, and the services bound to this viewer and these loaders. */
export function createContext(deps: CatalogDeps) {
  return async ({ requestId, viewer }: SubgraphRequest): Promise<CatalogContext> => {
    const scope: CatalogScope = {
      viewer,
      loaders: createLoaders(deps.products, deps.productCache, deps.storeLoads),
    };
    const categories = new CategoryService(scope, deps.categories, deps.categoryCache);
    const products = new ProductService(scope, deps.products, categories, deps.options, deps.productCache);
    return { requestId, services: { products, categories } };
  };
}
