import type { Identity } from '@polystore/platform';
import type { CategoryService } from './category/category.service';
import type { Loaders } from './loaders';
import type { ProductService } from './product/product.service';

export interface CatalogContext {
  requestId: string;
  /** Who is calling, as the gateway vouched for it in the signed request. */
  viewer: Identity;
  loaders: Loaders;
  lowStockThreshold: number;
  services: { products: ProductService; categories: CategoryService };
}
