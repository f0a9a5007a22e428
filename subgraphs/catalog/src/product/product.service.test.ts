import type { Identity } from '@polystore/platform';
import { Registry } from 'prom-client';
import { codeOf, requestsTo, testUuid, viewers } from '../../../../test-support/services';
import { CategoryCache } from '../category/category.cache';
import type { CategoryRepository } from '../category/category.repository';
import { createContext } from '../context';
import type { CategoryDoc, ProductDoc } from '../models';
import { TwoLevelProductCache } from './product.cache';
import type { ProductRepository } from './product.repository';
import { SharedLoads } from './shared-loads';

// The read rules above the store, on fakes of the repositories (catalog.integration.test.ts runs
// them on MongoDB, e2e/wishlist.e2e.test.ts counts them through the gateway).
const { alice, staff, anonymous } = viewers;

const product = (n: number, overrides: Partial<ProductDoc> = {}): ProductDoc => ({
  _id: testUuid(n),
  sku: `SKU-${n}`,
  name: `Lamp ${n}`,
  nameKey: `lamp ${n}`,
  description: '',
  price: { amount: 1000 + n, currency: 'EUR' },
  category: 'lighting',
  attributes: [],
  attributeKeys: [],
  stock: 10 * n,
  status: 'ACTIVE',
  version: 1,
  createdAt: new Date(Date.UTC(2026, 0, 1)),
  updatedAt: new Date(Date.UTC(2026, 0, 1)),
  ...overrides,
});
const PRODUCTS = [product(1), product(2), product(3)];
const category = (slug: string): CategoryDoc => ({ _id: slug, name: slug, description: '', createdAt: new Date(0) });

/** The repositories' methods over arrays, counting every call (one call = one store round trip). */
function fakes() {
  const categories = [category('lighting')];
  const calls = { findByIds: [] as string[][], categories: 0, inserts: 0 };
  const products = {
    async findByIds(ids: readonly string[]) {
      calls.findByIds.push([...ids]);
      return PRODUCTS.filter((p) => ids.includes(p._id));
    },
    async insert() {
      calls.inserts += 1;
      throw new Error('no write expected');
    },
  } as unknown as ProductRepository;
  const categoryRepository = {
    async all() {
      calls.categories += 1;
      return [...categories];
    },
  } as unknown as CategoryRepository;
  const context = createContext({
    products,
    categories: categoryRepository,
    // the real cache without Redis and without its process level: every miss reaches the fake store
    productCache: new TwoLevelProductCache(undefined, { l1Seconds: 0, l2Seconds: 60, registry: new Registry() }),
    categoryCache: new CategoryCache(categoryRepository, 60),
    storeLoads: new SharedLoads<ProductDoc>(),
    options: { currency: 'EUR', lowStockThreshold: 15 },
  });
  const services = requestsTo(context);
  return { request: async (viewer: Identity = anonymous) => (await services(viewer)).products, calls, categories };
}

describe('ProductService reads, as each request builds it', () => {
  it('reads every product reference of one planner step in one store query, and each request afresh', async () => {
    const { request, calls } = fakes();
    const products = await request();
    const ids = PRODUCTS.map((p) => p._id);
    expect(await Promise.all([...ids, testUuid(999)].map((id) => products.reference(id)))).toEqual([...PRODUCTS, null]);
    expect(await products.byId(ids[0])).toEqual(PRODUCTS[0]);
    expect(calls.findByIds).toEqual([[...ids, testUuid(999)]]);
    await (await request()).reference(ids[0]!);
    expect(calls.findByIds).toHaveLength(2);
  });

  it('answers productsByIds in the order asked with null for unknown ids, and refuses malformed ids', async () => {
    const { request, calls } = fakes();
    const products = await request();
    const [a, b] = PRODUCTS;
    expect(await products.byIds([b!._id, testUuid(999), a!._id])).toEqual([b, null, a]);
    expect(calls.findByIds).toHaveLength(1);
    expect(await codeOf(products.byIds(['not-a-uuid']))).toBe('BAD_USER_INPUT');
    expect(await codeOf(products.byIds(Array.from({ length: 101 }, (_, i) => testUuid(i))))).toBe('BAD_USER_INPUT');
    expect(await codeOf(products.byId('not-a-uuid'))).toBe('BAD_USER_INPUT');
    expect(calls.findByIds).toHaveLength(1);
  });

  it("finds a product's category from the process's cache, reloads once for a category it has not seen, and is NOT_FOUND for none", async () => {
    const { request, calls, categories } = fakes();
    expect((await (await request()).category(PRODUCTS[0]!))._id).toBe('lighting');
    expect((await (await request()).category(PRODUCTS[1]!))._id).toBe('lighting');
    expect(calls.categories).toBe(1);
    categories.push(category('garden')); // created by another instance
    expect((await (await request()).category(product(4, { category: 'garden' })))._id).toBe('garden');
    expect(calls.categories).toBe(2);
    expect(await codeOf((await request()).category(product(5, { category: 'nowhere' })))).toBe('NOT_FOUND');
  });

  it('shows stock by the configured low-stock threshold, and an archived product as discontinued', async () => {
    const { request } = fakes();
    const products = await request();
    expect(products.availability(product(1, { stock: 15 }))).toBe('LOW_STOCK');
    expect(products.availability(product(1, { stock: 16 }))).toBe('IN_STOCK');
    expect(products.availability(product(1, { stock: 0 }))).toBe('OUT_OF_STOCK');
    expect(products.availability(product(1, { status: 'ARCHIVED' }))).toBe('DISCONTINUED');
  });

  it('lets only staff write, deciding before the input is read or the store touched', async () => {
    const { request, calls } = fakes();
    expect(await codeOf((await request(anonymous)).create({}))).toBe('UNAUTHENTICATED');
    expect(await codeOf((await request(alice)).create({}))).toBe('FORBIDDEN');
    expect(await codeOf((await request(alice)).update(testUuid(1), {}))).toBe('FORBIDDEN');
    expect(await codeOf((await request(staff)).create({}))).toBe('BAD_USER_INPUT');
    expect(calls.inserts).toBe(0);
  });
});
