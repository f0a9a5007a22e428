import { LRUCache } from 'lru-cache';
import { conflict, parseInput, requireStaff, type Identity } from '@polystore/platform';
import type { CategoryDoc } from '../models';
import { createCategoryInput } from '../product/product.inputs';
import { SlugTakenError, type CategoryRepository } from './category.repository';

/**
 * Categories are few and read on almost every product query, so the whole list lives in an
 * in-process cache for a short TTL (the first cache level; the store is the last). A write in
 * this process clears it at once; other instances see the change within the TTL.
 */
export class CategoryService {
  private readonly cache: LRUCache<'all', Map<string, CategoryDoc>>;

  constructor(
    private readonly repository: CategoryRepository,
    ttlSeconds: number,
  ) {
    this.cache = new LRUCache({ max: 1, ttl: Math.max(1, ttlSeconds) * 1000 });
  }

  /** Staff only (UNAUTHENTICATED, FORBIDDEN): checked before the input is read or the store touched. */
  async create(viewer: Identity, raw: unknown): Promise<CategoryDoc> {
    requireStaff(viewer, 'Only staff can create categories');
    const input = parseInput(createCategoryInput, raw);
    try {
      const created = await this.repository.insert({
        _id: input.slug,
        name: input.name,
        description: input.description,
      });
      this.cache.clear();
      return created;
    } catch (error) {
      if (error instanceof SlugTakenError)
        throw conflict(`Category ${input.slug} already exists`, { field: 'input.slug' });
      throw error;
    }
  }

  async all(): Promise<CategoryDoc[]> {
    return [...(await this.bySlug()).values()];
  }

  /** A miss reloads once: a category another instance just created is found without waiting for the TTL. */
  async get(slug: string): Promise<CategoryDoc | undefined> {
    return (await this.bySlug()).get(slug) ?? (await this.bySlug(true)).get(slug);
  }

  private async bySlug(reload = false): Promise<Map<string, CategoryDoc>> {
    const cached = reload ? undefined : this.cache.get('all');
    if (cached) return cached;
    const fresh = new Map((await this.repository.all()).map((c) => [c._id, c]));
    this.cache.set('all', fresh);
    return fresh;
  }
}
