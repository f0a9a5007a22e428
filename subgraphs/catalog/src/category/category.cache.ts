import { LRUCache } from 'lru-cache';
import type { CategoryDoc } from '../models';
import type { CategoryRepository } from './category.repository';

/**
 * Categories are few and read on almost every product query, so the whole list lives in an
 * in-process cache for a short TTL (the first cache level; the store is the last). Made once per
 * process (app.ts) and shared by every request's CategoryService: a write in this process clears
 * it at once; other instances see the change within the TTL.
 */
export class CategoryCache {
  private readonly cache: LRUCache<'all', Map<string, CategoryDoc>>;

  constructor(
    private readonly repository: CategoryRepository,
    ttlSeconds: number,
  ) {
    this.cache = new LRUCache({ max: 1, ttl: Math.max(1, ttlSeconds) * 1000 });
  }

  /** Every category by slug: the cached list, or the store's when asked to reload or when it expired. */
  async bySlug(reload = false): Promise<Map<string, CategoryDoc>> {
    const cached = reload ? undefined : this.cache.get('all');
    if (cached) return cached;
    const fresh = new Map((await this.repository.all()).map((c) => [c._id, c]));
    this.cache.set('all', fresh);
    return fresh;
  }

  clear(): void {
    this.cache.clear();
  }
}
