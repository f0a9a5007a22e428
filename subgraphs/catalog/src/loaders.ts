import DataLoader from 'dataloader';
import { z } from 'zod';
import type { ProductDoc } from './models';
import type { ProductCache } from './product/product.cache';
import type { ProductRepository } from './product/product.repository';
import type { SharedLoads } from './product/shared-loads';

const isUuid = (value: string) => z.uuid().safeParse(value).success;

/**
 * Fresh per request. `productById` turns any number of entity references into one cache lookup
 * (process, then one Redis MGET) and one `$in` query for what the cache did not have — a query
 * shared with every concurrent request that misses on the same products (`storeLoads`).
 */
export function createLoaders(products: ProductRepository, cache: ProductCache, storeLoads: SharedLoads<ProductDoc>) {
  return {
    productById: new DataLoader<string, ProductDoc | null>(async (ids) => {
      const valid = ids.filter(isUuid);
      const byId = valid.length ? await cache.getMany(valid) : new Map<string, ProductDoc>();
      const missing = valid.filter((id) => !byId.has(id));
      if (missing.length) {
        const loaded = await storeLoads.load(missing, async (ids) => {
          const rows = await products.findByIds(ids);
          await cache.fill(rows);
          return new Map(rows.map((row) => [row._id, row]));
        });
        for (const [id, row] of loaded) byId.set(id, row);
      }
      return ids.map((id) => byId.get(id) ?? null);
    }),
  };
}
export type Loaders = ReturnType<typeof createLoaders>;
