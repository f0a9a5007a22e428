import { counterValue } from '@polystore/platform';
import { codes, gql, TEST_SIGNING_SECRET } from '../test-support/graphql';
import { GraphCatalogSource } from '../subgraphs/search/src/indexing/catalog-source';
import { reindex } from '../subgraphs/search/src/indexing/reindex';
import type { Browser } from './support/browser';
import { startPolystore, type RunningPolystore } from './support/polystore';
import { createStaff } from './support/staff';

// Search end to end: products created through the gateway land in the catalog (MongoDB); the
// reindex reads them back through the gateway, as any client would, into Elasticsearch; a search
// through the gateway is answered by search (Elasticsearch) and joined with catalog's products.
let polystore: RunningPolystore;
/** Writes the catalog (staff only). */
let staff: Browser;

beforeAll(async () => {
  polystore = await startPolystore();
  staff = await (await createStaff(polystore)).signIn();
}, 60_000);
afterAll(async () => {
  await polystore?.stop();
}, 60_000);

const silent = () => ({ tick: () => undefined, finish: () => undefined });
const counter = (
  metrics: { registry: Parameters<typeof counterValue>[0] },
  name: string,
  labels: Record<string, string>,
) => counterValue(metrics.registry, name, labels);

const SEARCH = `query Search($query: String, $filter: SearchFilter) {
  searchProducts(query: $query, filter: $filter) {
    total
    hits { score highlights { field snippets } product { name price { amount } } }
    facets { categories { value count } }
  }
}`;

async function createProduct(input: Record<string, unknown>): Promise<string> {
  const res = await staff.gql(`mutation($input: CreateProductInput!) { createProduct(input: $input) { id } }`, {
    input,
  });
  expect(res.errors).toBeUndefined();
  return res.data!['createProduct'].id;
}

describe('searchProducts through the gateway', () => {
  it('finds products created through the gateway once reindexed from the graph, with one batched fetch to catalog', async () => {
    const { url } = polystore;
    for (const [slug, name] of [
      ['lighting', 'Lighting'],
      ['desks', 'Desks'],
    ]) {
      const res = await staff.gql(`mutation($i: CreateCategoryInput!) { createCategory(input: $i) { slug } }`, {
        i: { slug, name },
      });
      expect(res.errors).toBeUndefined();
    }
    const products = [
      ['LAMP-1', 'Desk Lamp', 'A small lamp for a desk', 4900, 'lighting'],
      ['LAMP-2', 'Arc Floor Lamp', 'Tall and bright', 12900, 'lighting'],
      ['LAMP-3', 'Bedside Lamp', 'Warm light', 2900, 'lighting'],
      ['DESK-1', 'Standing Desk', 'Pairs well with a desk lamp', 39900, 'desks'],
      ['DESK-2', 'Writing Desk', 'Oak', 24900, 'desks'],
    ] as const;
    for (const [sku, name, description, amount, category] of products) {
      await createProduct({ sku, name, description, price: { amount, currency: 'EUR' }, category, stock: 2 });
    }
    const archivedId = await createProduct({
      sku: 'LAMP-OLD',
      name: 'Old Lamp',
      price: { amount: 100, currency: 'EUR' },
      category: 'lighting',
    });
    const archived = await staff.gql(
      `mutation($id: ID!) { updateProduct(id: $id, input: { status: ARCHIVED }) { id } }`,
      {
        id: archivedId,
      },
    );
    expect(archived.errors).toBeUndefined();

    // Before any reindex the index is empty: search never reads the catalog's database.
    expect((await gql(url, SEARCH, { query: 'lamp' })).data!['searchProducts'].total).toBe(0);

    const report = await reindex(
      polystore.search.index,
      new GraphCatalogSource(url, { service: 'search', secret: `search-${TEST_SIGNING_SECRET}` }),
      {
        pageSize: 2,
        progress: silent,
        retireAfterMs: 0,
      },
    );
    expect(report).toMatchObject({ indexed: products.length, index: `${polystore.searchIndex.alias}_v2` });

    const entityFetches = await counter(polystore.catalog.metrics, 'graphql_entity_requests_total', {
      typename: 'Product',
    });
    const representations = await counter(polystore.catalog.metrics, 'graphql_entity_representations_total', {
      typename: 'Product',
    });
    const finds = await counter(polystore.catalog.metrics, 'store_commands_total', {
      store: 'mongodb',
      operation: 'find',
    });
    const esSearches = await counter(polystore.search.metrics, 'store_commands_total', {
      store: 'elasticsearch',
      operation: 'search',
    });
    const res = await gql(url, SEARCH, { query: 'lamp' });
    expect(res.errors).toBeUndefined();
    const result = res.data!['searchProducts'];
    expect(result.total).toBe(4);
    expect(result.hits.map((h: { product: { name: string } }) => h.product.name)).toEqual(
      expect.arrayContaining(['Desk Lamp', 'Arc Floor Lamp', 'Bedside Lamp', 'Standing Desk']),
    );
    // Name matches rank above the desk whose description mentions a lamp.
    expect(result.hits.at(-1).product).toEqual({ name: 'Standing Desk', price: { amount: 39900 } });
    expect(result.hits.find((h: any) => h.product.name === 'Desk Lamp')).toMatchObject({
      score: expect.any(Number),
      product: { price: { amount: 4900 } },
      highlights: [
        { field: 'name', snippets: ['Desk <em>Lamp</em>'] },
        { field: 'description', snippets: ['A small <em>lamp</em> for a desk'] },
      ],
    });
    expect(result.facets.categories).toEqual([
      { value: 'lighting', count: 3 },
      { value: 'desks', count: 1 },
    ]);
    // Counted, not assumed: one Elasticsearch search, and every hit's product resolved by ONE
    // _entities request to catalog carrying all four references, served by at most one MongoDB find
    // (the product cache usually answers).
    expect(
      (await counter(polystore.search.metrics, 'store_commands_total', {
        store: 'elasticsearch',
        operation: 'search',
      })) - esSearches,
    ).toBe(1);
    expect(
      (await counter(polystore.catalog.metrics, 'graphql_entity_requests_total', { typename: 'Product' })) -
        entityFetches,
    ).toBe(1);
    expect(
      (await counter(polystore.catalog.metrics, 'graphql_entity_representations_total', { typename: 'Product' })) -
        representations,
    ).toBe(4);
    expect(
      (await counter(polystore.catalog.metrics, 'store_commands_total', { store: 'mongodb', operation: 'find' })) -
        finds,
    ).toBeLessThanOrEqual(1);
  }, 60_000);

  it('tolerates typos and filters by category', async () => {
    const res = await gql(polystore.url, SEARCH, { query: 'lmap', filter: { categories: ['lighting'] } });
    expect(res.errors).toBeUndefined();
    expect(res.data!['searchProducts'].hits.map((h: any) => h.product.name).sort()).toEqual([
      'Arc Floor Lamp',
      'Bedside Lamp',
      'Desk Lamp',
    ]);
  });

  it('is as fresh as the last reindex: a new product is found once reindexed', async () => {
    await createProduct({
      sku: 'LAMP-4',
      name: 'Piano Lamp',
      price: { amount: 8900, currency: 'EUR' },
      category: 'lighting',
    });
    expect((await gql(polystore.url, SEARCH, { query: 'piano' })).data!['searchProducts'].total).toBe(0);
    const report = await reindex(
      polystore.search.index,
      new GraphCatalogSource(polystore.url, { service: 'search', secret: `search-${TEST_SIGNING_SECRET}` }),
      {
        progress: silent,
        retireAfterMs: 0,
      },
    );
    expect(report.previous).toEqual([`${polystore.searchIndex.alias}_v2`]);
    const res = await gql(polystore.url, SEARCH, { query: 'piano' });
    expect(res.data!['searchProducts'].hits.map((h: any) => h.product.name)).toEqual(['Piano Lamp']);
  }, 60_000);

  it('passes coded errors through the gateway', async () => {
    const res = await gql(polystore.url, SEARCH, { query: ' ', filter: { priceRange: { min: 10, max: 1 } } });
    expect(codes(res)).toEqual(['BAD_USER_INPUT']);
  });
});
