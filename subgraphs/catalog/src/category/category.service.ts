import { conflict, parseInput, requireStaff } from '@polystore/platform';
import type { CatalogScope } from '../context';
import type { CategoryDoc } from '../models';
import { createCategoryInput } from '../product/product.inputs';
import type { CategoryCache } from './category.cache';
import { SlugTakenError, type CategoryRepository } from './category.repository';

/**
 * Category rules: staff-only writes, validation, unique slugs. Built per request (context.ts),
 * bound to its viewer; reads come from the process's CategoryCache.
 */
export class CategoryService {
  constructor(
    private readonly scope: CatalogScope,
    private readonly repository: CategoryRepository,
    private readonly cache: CategoryCache,
  ) {}

  /** Staff only (UNAUTHENTICATED, FORBIDDEN): checked before the input is read or the store touched. */
  async create(raw: unknown): Promise<CategoryDoc> {
    requireStaff(this.scope.viewer, 'Only staff can create categories');
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
    return [...(await this.cache.bySlug()).values()];
  }

  /** A miss reloads once: a category another instance just created is found without waiting for the TTL. */
  async get(slug: string): Promise<CategoryDoc | undefined> {
    return (await this.cache.bySlug()).get(slug) ?? (await this.cache.bySlug(true)).get(slug);
  }
}
