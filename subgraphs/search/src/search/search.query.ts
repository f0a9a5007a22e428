import type { estypes } from '@elastic/elasticsearch';
import { attributeKey } from '../products/product.document';
import type { SearchInput, SearchSort } from './search.inputs';

/**
 * Price buckets of the price facet, in minor units: `from` inclusive, `to` exclusive
 * (0–10, 10–25, 25–50, 50–100, 100–250, 250+ in the store's currency).
 */
export const PRICE_BUCKETS: readonly { from: number; to: number | null }[] = [
  { from: 0, to: 1_000 },
  { from: 1_000, to: 2_500 },
  { from: 2_500, to: 5_000 },
  { from: 5_000, to: 10_000 },
  { from: 10_000, to: 25_000 },
  { from: 25_000, to: null },
];

/**
 * Sort clauses of each order, ending in the `id` keyword so the order is total and `search_after`
 * can resume exactly (Elasticsearch refuses to sort on `_id`). RELEVANCE without query text
 * scores every hit alike and so falls through to newest first.
 */
export const SORT_CLAUSES: Record<SearchSort, estypes.SortCombinations[]> = {
  RELEVANCE: [{ _score: { order: 'desc' } }, { createdAt: { order: 'desc' } }, { id: { order: 'asc' } }],
  NEWEST: [{ createdAt: { order: 'desc' } }, { id: { order: 'asc' } }],
  PRICE_ASC: [{ price: { order: 'asc' } }, { id: { order: 'asc' } }],
  PRICE_DESC: [{ price: { order: 'desc' } }, { id: { order: 'asc' } }],
  NAME_ASC: [{ 'name.sort': { order: 'asc' } }, { id: { order: 'asc' } }],
};

/** Typo tolerance: edit distance 1 from 3 characters, 2 from 6; the first letter must be right. */
const FUZZY = { fuzziness: 'AUTO', prefix_length: 1, max_expansions: 50 } as const;

/** The text part: every word must occur somewhere (typos allowed) or as a prefix of the name. */
function textQuery(text: string): estypes.QueryDslQueryContainer {
  return {
    bool: {
      must: [
        {
          bool: {
            should: [
              { match: { searchText: { query: text, operator: 'and', ...FUZZY } } },
              { match: { 'name.autocomplete': { query: text, operator: 'and' } } },
            ],
            minimum_should_match: 1,
          },
        },
      ],
      // Ranking (and what the highlighter marks): name matches above description matches.
      should: [
        { match_phrase: { name: { query: text, boost: 6 } } },
        { match: { name: { query: text, boost: 3, ...FUZZY } } },
        { match: { 'name.autocomplete': { query: text, boost: 1 } } },
        { match: { description: { query: text, ...FUZZY } } },
      ],
    },
  };
}

type Dimension = 'categories' | 'price' | 'attributes';

/** The filters a facet can ignore, by dimension; `inStock` and the status always apply. */
function dimensionFilters(input: SearchInput): Record<Dimension, estypes.QueryDslQueryContainer[]> {
  const price: estypes.QueryDslQueryContainer[] = [];
  if (input.priceRange) {
    price.push({
      range: {
        price: {
          ...(input.priceRange.min != null ? { gte: input.priceRange.min } : {}),
          ...(input.priceRange.max != null ? { lte: input.priceRange.max } : {}),
        },
      },
    });
  }
  return {
    categories: input.categories.length ? [{ terms: { category: input.categories } }] : [],
    price,
    // Each attribute filter must hold (AND); within one, any of its values (OR).
    attributes: input.attributes.map((a) => ({
      terms: { attributeKeys: a.values.map((v) => attributeKey(a.name, v)) },
    })),
  };
}

const allExcept = (filters: Record<Dimension, estypes.QueryDslQueryContainer[]>, skip: Dimension | null) =>
  (Object.keys(filters) as Dimension[]).filter((d) => d !== skip).flatMap((d) => filters[d]);

/**
 * The one search request behind `searchProducts`: hits, exact total, facets and highlights in a
 * single round trip. Dimension filters go in `post_filter`, so each facet's aggregation can leave
 * out its own dimension while the hits and total honour them all.
 */
export function buildSearchRequest(
  input: SearchInput,
  page: { size: number; searchAfter: estypes.FieldValue[] | null },
): estypes.SearchRequest {
  const filters = dimensionFilters(input);
  const always: estypes.QueryDslQueryContainer[] = [{ term: { status: 'ACTIVE' } }];
  if (input.inStock !== null) always.push({ term: { inStock: input.inStock } });
  const query: estypes.QueryDslQueryContainer = {
    bool: { filter: always, ...(input.query ? { must: [textQuery(input.query)] } : {}) },
  };
  const facet = (skip: Dimension, agg: estypes.AggregationsAggregationContainer) => ({
    filter: { bool: { filter: allExcept(filters, skip) } },
    aggs: { values: agg },
  });
  return {
    query,
    post_filter: { bool: { filter: allExcept(filters, null) } },
    sort: SORT_CLAUSES[input.sort],
    size: page.size,
    ...(page.searchAfter ? { search_after: page.searchAfter } : {}),
    track_total_hits: true,
    track_scores: true,
    _source: false,
    aggs: {
      categories: facet('categories', { terms: { field: 'category', size: 50 } }),
      priceRanges: facet('price', {
        range: {
          field: 'price',
          ranges: PRICE_BUCKETS.map((b) => (b.to === null ? { from: b.from } : { from: b.from, to: b.to })),
        },
      }),
      attributes: facet('attributes', { terms: { field: 'attributeKeys', size: 50 } }),
    },
    ...(input.query
      ? {
          highlight: {
            encoder: 'html',
            pre_tags: ['<em>'],
            post_tags: ['</em>'],
            fields: {
              name: { number_of_fragments: 0 },
              'name.autocomplete': { number_of_fragments: 0 },
              description: { fragment_size: 150, number_of_fragments: 3 },
            },
          },
        }
      : {}),
  };
}
