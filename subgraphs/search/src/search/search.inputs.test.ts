import { AppError } from '@polystore/platform';
import { parseSearchArgs } from './search.inputs';

const fieldsOf = (args: unknown) => {
  try {
    parseSearchArgs(args);
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).extensions['code']).toBe('BAD_USER_INPUT');
    return ((error as AppError).extensions['fields'] as { field: string }[]).map((f) => f.field);
  }
  throw new Error('accepted');
};

describe('parseSearchArgs', () => {
  it('fills the defaults and trims the query', () => {
    expect(parseSearchArgs({ query: '  desk lamp ' })).toEqual({
      query: 'desk lamp',
      categories: [],
      priceRange: null,
      inStock: null,
      attributes: [],
      sort: 'RELEVANCE',
      first: 20,
      after: null,
    });
  });

  it('treats a price range without bounds as no price filter', () => {
    expect(parseSearchArgs({ filter: { priceRange: {} } }).priceRange).toBeNull();
    expect(parseSearchArgs({ filter: { priceRange: { min: 5, max: 5 } } }).priceRange).toEqual({ min: 5, max: 5 });
  });

  it('names every bad field at once', () => {
    expect(
      fieldsOf({
        query: '',
        first: 500,
        filter: { priceRange: { min: 9, max: 1 }, attributes: [{ name: 'a', values: [] }] },
      }),
    ).toEqual(['query', 'filter.priceRange.min', 'filter.attributes.0.values', 'first']);
  });
});
