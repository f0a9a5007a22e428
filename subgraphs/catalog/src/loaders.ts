import DataLoader from 'dataloader';
import { z } from 'zod';
import type { ProductDoc } from './models';
import type { ProductCache } from './product/product.cache';
import type { ProductRepository } from './product/product.repository';

const isUuid = (value: string) => z.uuid().safeParse(value).success;

/**
 * Fresh per request. `productById` turns any number of entity references into one cache lookup
 * (process, then one Redis MGET) and one `$in` query for what the cache did not have.
 */
export function createLoaders(products: ProductRepository, cache: ProductCache) {
  return {
    productById: new DataLoader<string, ProductDoc | null>(async (ids) => {
      const valid = ids.filter(isUuid);
      const byId = valid.length ? await cache.getMany(valid) : new Map<string, ProductDoc>();
      const missing = valid.filter((id) => !byId.has(id));
      if (missing.length) {
        const rows = await products.findByIds(missing);
        for (const row of rows) byId.set(row._id, row);
        await cache.fill(rows);
      }
      return ids.map((id) => byId.get(id) ?? null);
    }),
  };
}
export type Loaders = ReturnType<typeof createLoaders>;
