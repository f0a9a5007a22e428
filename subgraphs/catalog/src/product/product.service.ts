import { v7 as uuidv7 } from 'uuid';
import {
  badUserInput,
  conflict,
  decodeCursor,
  encodeCursor,
  notFound,
  parseInput,
  requireStaff,
  toConnection,
  type Identity,
} from '@polystore/platform';
import { z } from 'zod';
import type { CategoryService } from '../category/category.service';
import type { ProductDoc } from '../models';
import type { ProductCache } from './product.cache';
import {
  createProductInput,
  productFilter,
  productSort,
  updateProductInput,
  type ProductFilter,
  type ProductSort,
} from './product.inputs';
import {
  attributeKey,
  SkuTakenError,
  sortKeyOf,
  StaleVersionError,
  type ProductRepository,
} from './product.repository';

const cursorShape = z.union([z.tuple([z.string()]), z.tuple([z.union([z.string(), z.number()]), z.string()])]);
/** Whether a decoded cursor is what sortKeyOf makes for `sort`: [id], [price, id] or [name key, id]. */
const fitsSort = (key: readonly unknown[], sort: ProductSort) =>
  sort === 'NEWEST'
    ? key.length === 1
    : key.length === 2 && typeof key[0] === (sort === 'NAME_ASC' ? 'string' : 'number');

export interface ProductPage {
  edges: { cursor: string; node: ProductDoc }[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  /** Counted only when the client selects totalCount. */
  filter: ProductFilter;
}

/**
 * Catalog rules: who may write (staff only), validation, currency, category existence, sku
 * uniqueness, versions.
 */
export class ProductService {
  constructor(
    private readonly products: ProductRepository,
    private readonly categories: CategoryService,
    private readonly options: { currency: string },
    private readonly cache: ProductCache,
  ) {}

  /** Staff only (UNAUTHENTICATED, FORBIDDEN): checked before the input is read or the store touched. */
  async create(viewer: Identity, raw: unknown): Promise<ProductDoc> {
    requireStaff(viewer, 'Only staff can create products');
    const input = parseInput(createProductInput, raw);
    this.checkCurrency(input.price.currency);
    await this.checkCategory(input.category);
    try {
      const created = await this.products.insert({
        _id: uuidv7(),
        ...input,
        nameKey: input.name.toLowerCase(),
        attributeKeys: input.attributes.map((a) => attributeKey(a.name, a.value)),
        status: 'ACTIVE',
        version: 1,
      });
      await this.cache.put(created);
      return created;
    } catch (error) {
      if (error instanceof SkuTakenError)
        throw conflict(`A product with sku ${input.sku} already exists`, { field: 'input.sku' });
      throw error;
    }
  }

  /** Staff only, like create. */
  async update(viewer: Identity, rawId: unknown, raw: unknown): Promise<ProductDoc> {
    requireStaff(viewer, 'Only staff can change products');
    const id = parseInput(z.uuid({ message: 'must be a UUID' }), rawId, 'id');
    const input = parseInput(updateProductInput, raw);
    if (input.price) this.checkCurrency(input.price.currency);
    if (input.category) await this.checkCategory(input.category);
    const { expectedVersion, ...changes } = input;
    const set: Partial<ProductDoc> = Object.fromEntries(Object.entries(changes).filter(([, v]) => v != null));
    if (set.name) set.nameKey = set.name.toLowerCase();
    if (set.attributes) set.attributeKeys = set.attributes.map((a) => attributeKey(a.name, a.value));
    try {
      const updated = await this.products.update(id, set, expectedVersion);
      if (!updated) throw notFound('Product', id);
      await this.cache.put(updated);
      return updated;
    } catch (error) {
      if (error instanceof StaleVersionError) {
        throw conflict(`Product ${id} changed since version ${expectedVersion}; reload and retry`, { id });
      }
      throw error;
    }
  }

  async page(args: { filter?: unknown; sort?: unknown; first?: unknown; after?: unknown }): Promise<ProductPage> {
    const filter = parseInput(productFilter, args.filter, 'filter') ?? {};
    const sort: ProductSort = parseInput(productSort, args.sort ?? undefined, 'sort');
    const { first, after } = parseInput(
      z.object({ first: z.number().int().min(1).max(100).default(20), after: z.string().max(512).nullish() }),
      { first: args.first ?? undefined, after: args.after },
      'arguments',
    );
    const afterKey = after ? [...decodeCursor(after, cursorShape)] : undefined;
    if (afterKey && !fitsSort(afterKey, sort)) {
      throw badUserInput('Invalid cursor', [{ field: 'after', message: 'cursor belongs to another sort order' }]);
    }
    const rows = await this.products.page(filter, sort, first + 1, afterKey);
    return { ...toConnection(rows, first, (p) => encodeCursor(sortKeyOf(p, sort)), Boolean(after)), filter };
  }

  bySku(value: string): Promise<ProductDoc | null> {
    return this.products.findBySku(value);
  }

  count(filter: ProductFilter): Promise<number> {
    return this.products.count(filter);
  }

  private checkCurrency(currency: string): void {
    if (currency !== this.options.currency) {
      throw badUserInput(`Prices are kept in ${this.options.currency}`, [
        { field: 'input.price.currency', message: `must be ${this.options.currency}` },
      ]);
    }
  }

  private async checkCategory(slug: string): Promise<void> {
    if (!(await this.categories.get(slug))) throw notFound('Category', slug);
  }
}
