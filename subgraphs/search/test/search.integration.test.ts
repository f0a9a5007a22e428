import { counterValue } from '@polystore/platform';
import { createTestIndex, type TestIndex } from '../../../test-support/elasticsearch';
import { codes, signedGql as gql, TEST_SIGNING_SECRET } from '../../../test-support/graphql';
import { createSearch, type Search } from '../src/app';
import { loadSearchConfig } from '../src/config';
import type { CatalogPage, CatalogSource } from '../src/indexing/catalog-source';
import { ProductIndexer } from '../src/indexing/indexer';
import { reindex, ReindexError } from '../src/indexing/reindex';
import { deployProductIndex } from '../src/products/deploy';
import type { CatalogProduct } from '../src/products/product.document';

// Runs against the real Elasticsearch 8.14.3 node of the stack, on an alias of this file's own
// (products_t_<suffix>), deleted afterwards with its indices and template.
let testIndex: TestIndex;
let search: Search;
let url: string;

const SEARCH = `query($query: String, $filter: SearchFilter, $sort: SearchSort, $first: Int, $after: String) {
  searchProducts(query: $query, filter: $filter, sort: $sort, first: $first, after: $after) {
    total
    hits { cursor score highlights { field snippets } product { id } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    facets { categories { value count } priceRanges { from to count } attributes { value count } }
  }
}`;

interface Result {
  total: number;
  hits: {
    cursor: string;
    score: number;
    highlights: { field: string; snippets: string[] }[];
    product: { id: string };
  }[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; endCursor: string | null };
  facets: {
    categories: { value: string; count: number }[];
    priceRanges: { from: number; to: number | null; count: number }[];
    attributes: { value: string; count: number }[];
  };
}

async function searchProducts(variables: Record<string, unknown>): Promise<Result> {
  const res = await gql<{ searchProducts: Result }>(url, SEARCH, variables);
  expect(res.errors).toBeUndefined();
  return res.data!.searchProducts;
}

const CATEGORIES = { lighting: 'Lighting', furniture: 'Furniture', kitchen: 'Kitchen' } as const;
let serial = 0;
function product(
  name: string,
  category: keyof typeof CATEGORIES,
  price: number,
  stock: number,
  attributes: Record<string, string> = {},
  extra: Partial<CatalogProduct> = {},
): CatalogProduct {
  serial += 1;
  const n = String(serial).padStart(4, '0');
  return {
    id: `0190a0b0-0000-7000-8000-00000000${n}`,
    sku: `SKU-${n}`,
    name,
    description: `${name}, made to last.`,
    price: { amount: price, currency: 'EUR' },
    category: { slug: category, name: CATEGORIES[category] },
    attributes: Object.entries(attributes).map(([k, v]) => ({ name: k, value: v })),
    stock,
    status: 'ACTIVE',
    version: 1,
    createdAt: new Date(Date.UTC(2026, 0, 1) + serial * 60_000).toISOString(),
    updatedAt: new Date(Date.UTC(2026, 0, 1) + serial * 60_000).toISOString(),
    ...extra,
  };
}

const deskLamp = product(
  'Desk Lamp',
  'lighting',
  4900,
  3,
  { colour: 'Black', wattage: '6W' },
  {
    description: 'A brass desk lamp with an adjustable arm. <script>alert(1)</script>',
  },
);
const floorLamp = product('Arc Floor Lamp', 'lighting', 12900, 0, { colour: 'Brass' });
const lantern = product('Paper Lantern', 'lighting', 1900, 10, { colour: 'White' });
const wallLight = product('Wall Light', 'lighting', 3900, 2, { colour: 'Black' });
const oakChair = product('Oak Chair', 'furniture', 8900, 5, { colour: 'Oak', material: 'Oak' });
const oakTable = product('Oak Table', 'furniture', 34900, 1, { material: 'Oak' });
const stool = product('Steel Stool', 'furniture', 5900, 0, { colour: 'Black', material: 'Steel' });
const pan = product('Cast Iron Pan', 'kitchen', 3900, 8, { material: 'Cast Iron' });
const mug = product('Ceramic Mug', 'kitchen', 900, 20, { colour: 'White', material: 'Ceramic' });
const archived = product('Old Lamp', 'lighting', 2900, 4, { colour: 'Black' }, { status: 'ARCHIVED' });
// Plenty of same-priced, same-named products: paging must still meet each exactly once.
const widgets = Array.from({ length: 40 }, (_, i) =>
  product(`Widget ${i % 4}`, (['lighting', 'furniture', 'kitchen'] as const)[i % 3]!, 1000 + (i % 5) * 500, i % 2, {
    finish: i % 2 ? 'Matte' : 'Gloss',
  }),
);
const ACTIVE = [deskLamp, floorLamp, lantern, wallLight, oakChair, oakTable, stool, pan, mug, ...widgets];
const ALL = [...ACTIVE, archived];

const ids = (result: Result) => result.hits.map((h) => h.product.id);
const esSearches = () =>
  counterValue(search.metrics.registry, 'store_commands_total', { store: 'elasticsearch', operation: 'search' });
const esRoundTrips = () => counterValue(search.metrics.registry, 'store_commands_total', { store: 'elasticsearch' });

beforeAll(async () => {
  testIndex = await createTestIndex();
  search = await createSearch(
    loadSearchConfig({
      ELASTICSEARCH_URL: testIndex.url,
      SEARCH_INDEX_ALIAS: testIndex.alias,
      SEARCH_SIGNING_SECRET: TEST_SIGNING_SECRET,
      LOG_LEVEL: 'silent',
      NODE_ENV: 'test',
    }),
  );
  url = `http://127.0.0.1:${(await search.server.listen(0, '127.0.0.1')).port}/graphql`;
  const outcome = await new ProductIndexer(search.index).indexProducts(ALL, { refresh: true });
  expect(outcome).toEqual({ indexed: ALL.length, stale: 0, failed: [] });
}, 30_000); // a cold node (fresh CI stack) takes seconds over its first requests

afterAll(async () => {
  await search?.stop();
  await testIndex?.drop();
}, 30_000);

describe('the index', () => {
  it('is created from the template kept in the repository, behind the alias, and deploying again changes nothing', async () => {
    const indices = await search.index.versionedIndices();
    expect(indices.map((i) => [i.name, i.aliased, i.schemaVersion])).toEqual([[`${testIndex.alias}_v1`, true, 1]]);
    expect(await search.index.templateVersion()).toBe(1);
    const settings = await search.es.indices.getSettings({ index: `${testIndex.alias}_v1` });
    expect(settings[`${testIndex.alias}_v1`]!.settings!.index!.number_of_replicas).toBe('0');
    expect(await deployProductIndex(search.index)).toEqual({
      index: `${testIndex.alias}_v1`,
      created: false,
      outdated: false,
    });
    expect((await search.index.versionedIndices()).length).toBe(1);
  });
});

describe('searchProducts: full text', () => {
  it('finds products by the words of their name, best match first, in one Elasticsearch round trip', async () => {
    const before = await esRoundTrips();
    const result = await searchProducts({ query: 'desk lamp' });
    expect(await esRoundTrips()).toBe(before + 1);
    expect(ids(result)).toEqual([deskLamp.id]);
    expect(result.total).toBe(1);

    const lamps = await searchProducts({ query: 'lamp' });
    expect(new Set(ids(lamps))).toEqual(new Set([deskLamp.id, floorLamp.id]));
    expect(lamps.hits[0]!.score).toBeGreaterThan(0);
  });

  it.each(['lmap', 'lamb', 'Lampe'])('tolerates a typo in a name: %p finds the lamps', async (query) => {
    const result = await searchProducts({ query });
    expect(ids(result)).toEqual(expect.arrayContaining([deskLamp.id, floorLamp.id]));
    expect(ids(result)).not.toContain(archived.id);
  });

  it('matches a name by its beginning as it is typed', async () => {
    const result = await searchProducts({ query: 'lant' });
    expect(ids(result)[0]).toBe(lantern.id);
    // Then what is one typo away ("last" in "made to last"), well below it.
    expect(result.hits[1]!.score).toBeLessThan(result.hits[0]!.score / 2);
  });

  it('matches words of the description, attribute values and the category name', async () => {
    expect(ids(await searchProducts({ query: 'adjustable' }))).toEqual([deskLamp.id]);
    expect(ids(await searchProducts({ query: 'ceramic' }))).toEqual([mug.id]);
    expect((await searchProducts({ query: 'kitchen pan' })).hits.map((h) => h.product.id)).toEqual([pan.id]);
  });

  it('never finds an archived product', async () => {
    expect(ids(await searchProducts({ query: 'old lamp' }))).not.toContain(archived.id);
    expect((await searchProducts({ first: 100 })).total).toBe(ACTIVE.length);
  });

  it('finds nothing for words no product has', async () => {
    const result = await searchProducts({ query: 'zeppelin' });
    expect(result).toMatchObject({ total: 0, hits: [], pageInfo: { hasNextPage: false } });
  });
});

describe('searchProducts: highlights', () => {
  it('marks the matched words of the name and the description, HTML-escaped', async () => {
    const [hit] = (await searchProducts({ query: 'desk lamp' })).hits;
    expect(hit!.highlights).toEqual([
      { field: 'name', snippets: ['<em>Desk Lamp</em>'] },
      {
        field: 'description',
        snippets: [expect.stringContaining('<em>desk</em> <em>lamp</em> with an adjustable arm')],
      },
    ]);
    expect(hit!.highlights[1]!.snippets.join('')).toContain('&lt;script&gt;');
    expect(hit!.highlights[1]!.snippets.join('')).not.toContain('<script>');
  });

  it('marks a typo-tolerant match and a prefix match on the name', async () => {
    expect(
      (await searchProducts({ query: 'lmap' })).hits.find((h) => h.product.id === deskLamp.id)!.highlights[0],
    ).toEqual({ field: 'name', snippets: ['Desk <em>Lamp</em>'] });
    expect((await searchProducts({ query: 'lant' })).hits[0]!.highlights[0]).toEqual({
      field: 'name',
      snippets: ['Paper <em>Lantern</em>'],
    });
  });

  it('has none without query text', async () => {
    const result = await searchProducts({ first: 5 });
    expect(result.hits.every((h) => h.highlights.length === 0)).toBe(true);
  });
});

describe('searchProducts: filters', () => {
  const expectIds = async (filter: Record<string, unknown>, expected: CatalogProduct[], query?: string) => {
    const result = await searchProducts({ filter, query, first: 100 });
    expect(new Set(ids(result))).toEqual(new Set(expected.map((p) => p.id)));
    expect(result.total).toBe(expected.length);
  };

  it('by categories (any of them)', async () => {
    await expectIds(
      { categories: ['furniture', 'kitchen'] },
      ACTIVE.filter((p) => p.category.slug !== 'lighting'),
    );
  });

  it('by price range, both bounds inclusive, in minor units', async () => {
    await expectIds(
      { priceRange: { min: 1900, max: 4900 } },
      ACTIVE.filter((p) => p.price.amount >= 1900 && p.price.amount <= 4900),
    );
    await expectIds({ priceRange: { min: 30000 } }, [oakTable]);
    await expectIds({ priceRange: { max: 900 } }, [mug]);
  });

  it('by stock', async () => {
    await expectIds(
      { inStock: true },
      ACTIVE.filter((p) => p.stock > 0),
    );
    await expectIds(
      { inStock: false },
      ACTIVE.filter((p) => p.stock === 0),
    );
  });

  it('by attributes: every attribute, any of its values, case-insensitive', async () => {
    await expectIds({ attributes: [{ name: 'Colour', values: ['black', 'WHITE'] }] }, [
      deskLamp,
      lantern,
      wallLight,
      stool,
      mug,
    ]);
    await expectIds(
      {
        attributes: [
          { name: 'colour', values: ['black'] },
          { name: 'material', values: ['steel'] },
        ],
      },
      [stool],
    );
  });

  it('together, and with query text', async () => {
    await expectIds(
      {
        categories: ['lighting'],
        inStock: true,
        priceRange: { max: 5000 },
        attributes: [{ name: 'colour', values: ['black'] }],
      },
      [deskLamp, wallLight],
    );
    await expectIds({ inStock: true }, [deskLamp], 'lamp');
  });
});

describe('searchProducts: facets', () => {
  const count = <T>(items: T[], key: (item: T) => string[]) => {
    const counts = new Map<string, number>();
    for (const item of items) for (const k of key(item)) counts.set(k, (counts.get(k) ?? 0) + 1);
    return counts;
  };
  const asMap = (values: { value: string; count: number }[]) => new Map(values.map((v) => [v.value, v.count]));
  const keys = (p: CatalogProduct) => p.attributes.map((a) => `${a.name.toLowerCase()}=${a.value.toLowerCase()}`);

  it('count categories, price ranges and attributes over the matching products', async () => {
    const inStock = ACTIVE.filter((p) => p.stock > 0);
    const { facets } = await searchProducts({ filter: { inStock: true } });
    expect(asMap(facets.categories)).toEqual(count(inStock, (p) => [p.category.slug]));
    expect(asMap(facets.attributes)).toEqual(count(inStock, keys));
    const bounds = [0, 1000, 2500, 5000, 10000, 25000, null];
    expect(facets.priceRanges).toEqual(
      bounds.slice(0, -1).map((from, i) => ({
        from,
        to: bounds[i + 1],
        count: inStock.filter(
          (p) => p.price.amount >= from! && (bounds[i + 1] == null || p.price.amount < bounds[i + 1]!),
        ).length,
      })),
    );
  });

  it('leave out their own filter, so the other choices stay visible', async () => {
    const result = await searchProducts({
      filter: { categories: ['lighting'], attributes: [{ name: 'colour', values: ['black'] }] },
    });
    const black = ACTIVE.filter((p) => keys(p).includes('colour=black'));
    const lighting = ACTIVE.filter((p) => p.category.slug === 'lighting');
    expect(result.total).toBe(2); // desk lamp, wall light
    // categories: every category of the black products; attributes: every attribute of lighting.
    expect(asMap(result.facets.categories)).toEqual(count(black, (p) => [p.category.slug]));
    expect(asMap(result.facets.attributes)).toEqual(count(lighting, keys));
    expect(result.facets.priceRanges.reduce((n, r) => n + r.count, 0)).toBe(2);
  });

  it('follow the query text', async () => {
    const { facets } = await searchProducts({ query: 'oak' });
    expect(asMap(facets.categories)).toEqual(new Map([['furniture', 2]]));
  });
});

describe('searchProducts: sorting and paging', () => {
  const byId = (a: CatalogProduct, b: CatalogProduct) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  const ORDERS: Record<string, (a: CatalogProduct, b: CatalogProduct) => number> = {
    PRICE_ASC: (a, b) => a.price.amount - b.price.amount || byId(a, b),
    PRICE_DESC: (a, b) => b.price.amount - a.price.amount || byId(a, b),
    NAME_ASC: (a, b) => a.name.toLowerCase().localeCompare(b.name.toLowerCase()) || byId(a, b),
    NEWEST: (a, b) => b.createdAt.localeCompare(a.createdAt) || byId(a, b),
    RELEVANCE: (a, b) => b.createdAt.localeCompare(a.createdAt) || byId(a, b),
  };

  async function pageThrough(variables: Record<string, unknown>, first: number, total: number): Promise<string[]> {
    const seen: string[] = [];
    let after: string | null = null;
    for (let pages = 0; pages < 100; pages++) {
      const result: Result = await searchProducts({ ...variables, first, after });
      seen.push(...ids(result));
      expect(result.pageInfo.hasPreviousPage).toBe(after !== null);
      expect(result.total).toBe(total);
      expect(result.hits.length).toBe(result.pageInfo.hasNextPage ? first : total - (seen.length - result.hits.length));
      if (!result.pageInfo.hasNextPage) return seen;
      after = result.pageInfo.endCursor;
    }
    throw new Error('paging did not end');
  }

  it.each(Object.keys(ORDERS))('%s meets every product exactly once, in order, page by page', async (sort) => {
    const expected = [...ACTIVE].sort(ORDERS[sort]).map((p) => p.id);
    const seen = await pageThrough({ sort }, 7, ACTIVE.length);
    expect(seen).toEqual(expected);
  });

  it('pages through a text search in relevance order without repeating a hit', async () => {
    const all = await searchProducts({ query: 'widget', first: 100 });
    expect(all.total).toBe(widgets.length);
    const seen = await pageThrough({ query: 'widget' }, 6, widgets.length);
    expect(seen).toEqual(ids(all));
    const scores = all.hits.map((h) => h.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
  });
});

describe('searchProducts: bad input', () => {
  const cursorOf = async (sort: string) => (await searchProducts({ sort, first: 1 })).pageInfo.endCursor;

  it.each<[string, () => Promise<Record<string, unknown>>, string]>([
    ['empty query text', async () => ({ query: '   ' }), 'query'],
    ['oversized query text', async () => ({ query: 'lamp '.repeat(41) }), 'query'],
    [
      'a price range whose min exceeds its max',
      async () => ({ filter: { priceRange: { min: 5000, max: 100 } } }),
      'filter.priceRange.min',
    ],
    ['a negative price', async () => ({ filter: { priceRange: { min: -1 } } }), 'filter.priceRange.min'],
    ['first of 0', async () => ({ first: 0 }), 'first'],
    ['first above 100', async () => ({ first: 101 }), 'first'],
    ['a malformed cursor', async () => ({ after: 'not-a-cursor' }), 'after'],
    [
      'a forged cursor',
      async () => ({ after: Buffer.from('["PRICE_ASC",1,{"x":1},"a"]').toString('base64url'), sort: 'PRICE_ASC' }),
      'after',
    ],
    [
      'a cursor beyond the paging depth',
      async () => ({ after: Buffer.from('["NEWEST",10000,1,"a"]').toString('base64url'), sort: 'NEWEST' }),
      'after',
    ],
    ['a cursor of another sort order', async () => ({ after: await cursorOf('PRICE_ASC'), sort: 'NAME_ASC' }), 'after'],
    ['a malformed category', async () => ({ filter: { categories: ['Not A Slug'] } }), 'filter.categories.0'],
  ])('%s is BAD_USER_INPUT naming the field, and nothing is sent to Elasticsearch', async (_what, variables, field) => {
    const vars = await variables();
    const before = await esSearches();
    const res = await gql(url, SEARCH, vars);
    expect(codes(res)).toEqual(['BAD_USER_INPUT']);
    expect((res.errors![0]!.extensions!['fields'] as { field: string }[]).map((f) => f.field)).toContain(field);
    expect(res.data).toBeNull();
    expect(await esSearches()).toBe(before);
  });

  it('an unknown sort order is refused before anything runs', async () => {
    const before = await esSearches();
    expect(codes(await gql(url, SEARCH, { sort: 'CHEAPEST' }))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await gql(url, '{ searchProducts(sort: CHEAPEST) { total } }'))).toEqual([
      'GRAPHQL_VALIDATION_FAILED',
    ]);
    expect(await esSearches()).toBe(before);
  });
});

describe('when Elasticsearch does not answer', () => {
  it('searchProducts fails with SERVICE_UNAVAILABLE', async () => {
    const down = await createSearch(
      loadSearchConfig({
        ELASTICSEARCH_URL: 'http://127.0.0.1:1',
        SEARCH_INDEX_ALIAS: testIndex.alias,
        SEARCH_SIGNING_SECRET: TEST_SIGNING_SECRET,
        SEARCH_REQUEST_TIMEOUT_MS: '500',
        SEARCH_MAX_RETRIES: '0',
        LOG_LEVEL: 'silent',
        NODE_ENV: 'test',
      }),
    );
    const downUrl = `http://127.0.0.1:${(await down.server.listen(0, '127.0.0.1')).port}/graphql`;
    try {
      const res = await gql(downUrl, SEARCH, { query: 'lamp' });
      expect(codes(res)).toEqual(['SERVICE_UNAVAILABLE']);
      const ready = await fetch(downUrl.replace('/graphql', '/readyz'));
      expect(ready.status).toBe(503);
    } finally {
      await down.stop();
    }
  }, 15_000);
});

describe('indexProducts', () => {
  it('keeps the newest version of a product whatever order updates arrive in, and archiving hides it', async () => {
    const indexer = new ProductIndexer(search.index);
    const v3 = { ...mug, name: 'Ceramic Teacup', description: 'For tea.', version: 3 };
    expect(await indexer.indexProducts([v3], { refresh: true })).toEqual({ indexed: 1, stale: 0, failed: [] });
    expect(await indexer.indexProducts([{ ...mug, version: 2 }], { refresh: true })).toEqual({
      indexed: 0,
      stale: 1,
      failed: [],
    });
    expect(ids(await searchProducts({ query: 'teacup' }))).toEqual([mug.id]);
    expect(ids(await searchProducts({ query: 'mug' }))).toEqual([]);

    await indexer.indexProducts([{ ...v3, status: 'ARCHIVED', version: 4 }], { refresh: true });
    expect(ids(await searchProducts({ query: 'teacup' }))).toEqual([]);
    await indexer.indexProducts([{ ...mug, version: 5 }], { refresh: true });
    expect(ids(await searchProducts({ query: 'mug' }))).toEqual([mug.id]);
  });
});

/** A catalog that answers page by page, slowly, like the real one on FerretDB. */
class FakeCatalog implements CatalogSource {
  pagesRead = 0;
  constructor(
    private readonly products: CatalogProduct[],
    private readonly delayMs = 40,
    private readonly failAtPage: number | null = null,
  ) {}

  async *pages(pageSize: number): AsyncIterable<CatalogPage> {
    for (let i = 0; i * pageSize < Math.max(1, this.products.length); i++) {
      await new Promise((r) => setTimeout(r, this.delayMs));
      if (this.failAtPage === i) throw new Error('the catalog did not answer');
      this.pagesRead += 1;
      yield { products: this.products.slice(i * pageSize, (i + 1) * pageSize), total: this.products.length };
    }
  }
}

const silent = () => ({ tick: () => undefined, finish: () => undefined });

describe('reindex', () => {
  const extra = Array.from({ length: 25 }, (_, i) => product(`Gadget ${i}`, 'kitchen', 2000 + i, 1));

  it('builds the next versioned index and swaps the alias atomically while searches keep answering', async () => {
    const before = await searchProducts({ first: 1 });
    const indices = await search.index.versionedIndices();
    const live = indices.find((i) => i.aliased)!;
    const source = new FakeCatalog([...ACTIVE, ...extra], 40);

    let running = true;
    const totals: number[] = [];
    const failures: unknown[] = [];
    const searching = (async () => {
      while (running) {
        const res = await gql<{ searchProducts: Result }>(url, SEARCH, { first: 1 }).catch((e: unknown) => ({
          errors: [{ message: String(e) }],
          data: null,
        }));
        if (res.errors) failures.push(res.errors);
        else totals.push(res.data!.searchProducts.total);
      }
    })();
    const report = await reindex(search.index, source, { pageSize: 10, retireAfterMs: 1500, progress: silent });
    running = false;
    await searching;

    expect(report).toMatchObject({
      index: `${testIndex.alias}_v${live.version + 1}`,
      previous: [live.name],
      indexed: ACTIVE.length + extra.length,
    });
    expect(source.pagesRead).toBe(Math.ceil((ACTIVE.length + extra.length) / 10));
    expect(failures).toEqual([]);
    expect(totals.length).toBeGreaterThan(5);
    // Each search saw the old index or the new one, complete: never a half-built one.
    expect(totals.every((t) => t === before.total || t === ACTIVE.length + extra.length)).toBe(true);
    expect(totals.at(-1)).toBe(ACTIVE.length + extra.length);
    // It switched once, and never went back.
    const switched = totals.findIndex((t) => t !== before.total);
    expect(switched).toBeGreaterThan(-1);
    expect(totals.slice(switched).every((t) => t === ACTIVE.length + extra.length)).toBe(true);

    expect((await search.index.versionedIndices()).map((i) => [i.name, i.aliased])).toEqual([[report.index, true]]);
    expect(ids(await searchProducts({ query: 'gadget 7' }))[0]).toBe(extra[7]!.id);
    // The archived product was not in the catalog's active listing, so it is gone for good.
    expect(await search.index.count(report.index)).toBe(ACTIVE.length + extra.length);
  }, 30_000);

  it('leaves the alias and the live index alone when the catalog fails half-way', async () => {
    const before = await search.index.versionedIndices();
    await expect(
      reindex(search.index, new FakeCatalog([...ACTIVE, ...extra], 5, 2), { pageSize: 10, progress: silent }),
    ).rejects.toThrow('the catalog did not answer');
    expect(await search.index.versionedIndices()).toEqual(before);
    expect((await searchProducts({ first: 1 })).total).toBe(ACTIVE.length + extra.length);
  });

  it('refuses to run beside another reindex', async () => {
    const live = (await search.index.versionedIndices()).find((i) => i.aliased)!;
    const other = `${testIndex.alias}_v${live.version + 1}`;
    await search.index.createIndex(other, { loading: true });
    try {
      await expect(reindex(search.index, new FakeCatalog(ACTIVE, 1), { progress: silent })).rejects.toThrow(
        ReindexError,
      );
      expect((await search.index.versionedIndices()).find((i) => i.aliased)!.name).toBe(live.name);
    } finally {
      await search.index.deleteIndices([other]);
    }
  });
});
