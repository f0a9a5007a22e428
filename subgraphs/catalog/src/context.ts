import type { CategoryService } from './category/category.service';
import type { Loaders } from './loaders';
import type { ProductService } from './product/product.service';

export interface CatalogContext {
  requestId: string;
  loaders: Loaders;
  services: { products: ProductService; categories: CategoryService };
}
