import type { estypes } from '@elastic/elasticsearch';
import { badUserInput, decodeCursor, encodeCursor, type StoreGuard } from '@polystore/platform';
import { z } from 'zod';
import type { SearchScope } from '../context';
import { esErrorType, searchUnavailable } from '../elasticsearch';
import type { ProductIndexRepository } from '../products/product-index.repository';
import { MAX_DEPTH, parseSearchArgs, SORTS, type SearchInput, type SearchSort } from './search.inputs';
import { buildSearchRequest, PRICE_BUCKETS, SORT_CLAUSES } from './search.query';

export interface SearchHitRecord {
  cursor: string;
  score: number;
  highlights: { field: string; snippets: string[] }[];
  productId: string;
}

export interface SearchPage {
  total: number;
  hits: SearchHitRecord[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  facets: {
    categories: { value: string; count: number }[];
    priceRanges: { from: number; to: number | null; count: number }[];
    attributes: { value: string; count: number }[];
  };
}

/**
 * Cursor: the sort it belongs to, how many hits come before the next one (for the depth limit),
 * then the last hit's sort values — what `search_after` resumes from. Opaque to clients.
 */
const cursorShape = z
  .tuple([z.enum(SORTS), z.number().int().min(1).max(MAX_DEPTH)])
  .rest(z.union([z.string().max(400), z.number(), z.boolean(), z.null()]));

function readCursor(cursor: string, sort: SearchSort): { offset: number; searchAfter: estypes.FieldValue[] } {
  const [cursorSort, offset, ...values] = decodeCursor(cursor, cursorShape);
  if (cursorSort !== sort || values.length !== SORT_CLAUSES[sort].length) {
    throw badUserInput('Invalid cursor', [{ field: 'after', message: 'cursor belongs to another sort order' }]);
  }
  if (offset >= MAX_DEPTH) {
    throw badUserInput('Invalid cursor', [{ field: 'after', message: `paging stops after ${MAX_DEPTH} hits` }]);
  }
  return { offset, searchAfter: values as estypes.FieldValue[] };
}

interface Bucket {
  key: string | number;
  doc_count: number;
  from?: number;
  to?: number;
}
type FacetAgg = { values: { buckets: Bucket[] } };

const HIGHLIGHT_FIELDS: Record<string, string> = {
  name: 'name',
  'name.autocomplete': 'name',
  description: 'description',
};

/**
 * Search rules: validation, paging, what a hit and a facet look like. Reads only the index. Built
 * per request (context.ts) like every service; every product is public, so nothing here depends on
 * the viewer yet.
 */
export class SearchService {
  constructor(
    private readonly scope: SearchScope,
    private readonly index: ProductIndexRepository,
    /** Elasticsearch's guard: refused at once while it is known down (SERVICE_UNAVAILABLE). */
    private readonly store: StoreGuard,
  ) {}

  async search(args: unknown): Promise<SearchPage> {
    const input: SearchInput = parseSearchArgs(args);
    const { offset, searchAfter } = input.after
      ? readCursor(input.after, input.sort)
      : { offset: 0, searchAfter: null };
    const size = Math.min(input.first, MAX_DEPTH - offset);
    let response: estypes.SearchResponse<unknown>;
    try {
      // One hit more than asked for says whether there is a next page.
      response = await this.store.run(() =>
        this.index.search(buildSearchRequest(input, { size: size + 1, searchAfter })),
      );
    } catch (error) {
      if (esErrorType(error) === 'index_not_found_exception') {
        throw searchUnavailable(`no index behind the alias ${this.index.names.alias}: run npm run migrate`);
      }
      throw error;
    }
    const rows = response.hits.hits.slice(0, size);
    const hits = rows.map((hit, i) => ({
      cursor: encodeCursor([input.sort, offset + i + 1, ...(hit.sort as (string | number)[])]),
      score: hit._score ?? 0,
      highlights: this.highlights(hit.highlight),
      productId: hit._id!,
    }));
    const total = response.hits.total;
    const aggs = response.aggregations as Record<'categories' | 'priceRanges' | 'attributes', FacetAgg>;
    return {
      total: typeof total === 'number' ? total : (total?.value ?? 0),
      hits,
      pageInfo: {
        hasNextPage: response.hits.hits.length > size && offset + size < MAX_DEPTH,
        hasPreviousPage: offset > 0,
        startCursor: hits[0]?.cursor ?? null,
        endCursor: hits.at(-1)?.cursor ?? null,
      },
      facets: {
        categories: aggs.categories.values.buckets.map((b) => ({ value: String(b.key), count: b.doc_count })),
        priceRanges: aggs.priceRanges.values.buckets.map((b, i) => ({
          from: PRICE_BUCKETS[i]!.from,
          to: PRICE_BUCKETS[i]!.to,
          count: b.doc_count,
        })),
        attributes: aggs.attributes.values.buckets.map((b) => ({ value: String(b.key), count: b.doc_count })),
      },
    };
  }

  /** Name matches (exact or as a prefix) as one `name` entry, then description fragments. */
  private highlights(highlight: Record<string, string[]> | undefined): SearchHitRecord['highlights'] {
    const byField = new Map<string, string[]>();
    for (const [esField, field] of Object.entries(HIGHLIGHT_FIELDS)) {
      const snippets = highlight?.[esField];
      if (snippets?.length && !byField.has(field)) byField.set(field, snippets);
    }
    return ['name', 'description']
      .filter((f) => byField.has(f))
      .map((field) => ({ field, snippets: byField.get(field)! }));
  }
}
