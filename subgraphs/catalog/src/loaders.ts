import DataLoader from 'dataloader';
import { z } from 'zod';
import type { ProductDoc } from './models';
import type { ProductRepository } from './product/product.repository';

const isUuid = (value: string) => z.uuid().safeParse(value).success;

/** Fresh per request. `productById` turns any number of entity references into one `$in` query. */
export function createLoaders(products: ProductRepository) {
  return {
    productById: new DataLoader<string, ProductDoc | null>(async (ids) => {
      const valid = ids.filter(isUuid);
      const rows = valid.length ? await products.findByIds(valid) : [];
      const byId = new Map(rows.map((p) => [p._id, p]));
      return ids.map((id) => byId.get(id) ?? null);
    }),
  };
}
export type Loaders = ReturnType<typeof createLoaders>;
