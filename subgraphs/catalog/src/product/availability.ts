import type { ProductDoc } from '../models';

export type Availability = 'IN_STOCK' | 'LOW_STOCK' | 'OUT_OF_STOCK' | 'DISCONTINUED';

/** What a shopper sees of stock: archived products are discontinued; few units are "low stock". */
export function availabilityOf(product: Pick<ProductDoc, 'status' | 'stock'>, lowStockThreshold: number): Availability {
  if (product.status === 'ARCHIVED') return 'DISCONTINUED';
  if (product.stock <= 0) return 'OUT_OF_STOCK';
  if (product.stock <= lowStockThreshold) return 'LOW_STOCK';
  return 'IN_STOCK';
}
