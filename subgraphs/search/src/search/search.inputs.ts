import { badUserInput } from '@polystore/platform';
import { z } from 'zod';

export const MAX_QUERY_LENGTH = 200;
export const MAX_FIRST = 100;
/** How deep paging goes: past this many hits a client should narrow the search instead. */
export const MAX_DEPTH = 10_000;

export const SORTS = ['RELEVANCE', 'PRICE_ASC', 'PRICE_DESC', 'NAME_ASC', 'NEWEST'] as const;
export type SearchSort = (typeof SORTS)[number];

const categorySlug = z
  .string()
  .trim()
  .regex(/^[a-z0-9][a-z0-9-]{1,63}$/, 'must be a category slug: 2 to 64 lower-case letters, digits or dashes');
const minorUnits = z.number().int('must be an integer (minor units)').min(0, 'must not be negative');

export const searchArgs = z.object({
  query: z
    .string()
    .trim()
    .min(1, 'must not be empty; omit it to browse by filters')
    .max(MAX_QUERY_LENGTH, `must be at most ${MAX_QUERY_LENGTH} characters`)
    .nullish(),
  filter: z
    .object({
      categories: z.array(categorySlug).max(20, 'at most 20 categories').nullish(),
      priceRange: z
        .object({ min: minorUnits.nullish(), max: minorUnits.nullish() })
        .refine((r) => r.min == null || r.max == null || r.min <= r.max, {
          message: 'min must not exceed max',
          path: ['min'],
        })
        .nullish(),
      inStock: z.boolean().nullish(),
      attributes: z
        .array(
          z.object({
            name: z.string().trim().min(1, 'must not be empty').max(50),
            values: z.array(z.string().trim().min(1).max(200)).min(1, 'give at least one value').max(50),
          }),
        )
        .max(10, 'at most 10 attribute filters')
        .nullish(),
    })
    .nullish(),
  sort: z.enum(SORTS).nullish(),
  first: z.number().int().min(1, 'must be at least 1').max(MAX_FIRST, `must be at most ${MAX_FIRST}`).nullish(),
  after: z.string().max(1024, 'not a cursor this API issued').nullish(),
});

export interface SearchInput {
  query: string | null;
  categories: string[];
  priceRange: { min: number | null; max: number | null } | null;
  inStock: boolean | null;
  attributes: { name: string; values: string[] }[];
  sort: SearchSort;
  first: number;
  after: string | null;
}

/** Validate `searchProducts`' arguments; one BAD_USER_INPUT naming every bad field. */
export function parseSearchArgs(raw: unknown): SearchInput {
  const result = searchArgs.safeParse(raw);
  if (!result.success) {
    const fields = result.error.issues.map((issue) => ({
      field: issue.path.map(String).join('.'),
      message: issue.message,
    }));
    throw badUserInput(`Invalid search: ${fields.map((f) => `${f.field}: ${f.message}`).join('; ')}`, fields);
  }
  const { query, filter, sort, first, after } = result.data;
  return {
    query: query ?? null,
    categories: filter?.categories ?? [],
    priceRange:
      filter?.priceRange && (filter.priceRange.min != null || filter.priceRange.max != null)
        ? { min: filter.priceRange.min ?? null, max: filter.priceRange.max ?? null }
        : null,
    inStock: filter?.inStock ?? null,
    attributes: filter?.attributes ?? [],
    sort: sort ?? 'RELEVANCE',
    first: first ?? 20,
    after: after ?? null,
  };
}
