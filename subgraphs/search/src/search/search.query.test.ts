import { parseSearchArgs } from './search.inputs';
import { buildSearchRequest } from './search.query';

const request = (args: Record<string, unknown>) =>
  buildSearchRequest(parseSearchArgs(args), { size: 21, searchAfter: null });

describe('buildSearchRequest', () => {
  it('only ever matches active products, and asks for an exact total in the same round trip', () => {
    const body = request({});
    expect(body.query).toEqual({ bool: { filter: [{ term: { status: 'ACTIVE' } }] } });
    expect(body.track_total_hits).toBe(true);
    expect(body.highlight).toBeUndefined();
  });

  it('puts the facetable filters in post_filter and leaves each one out of its own facet', () => {
    const body = request({
      filter: { categories: ['lamps'], priceRange: { min: 100 }, attributes: [{ name: 'Colour', values: ['Red'] }] },
    });
    const category = { terms: { category: ['lamps'] } };
    const price = { range: { price: { gte: 100 } } };
    const attribute = { terms: { attributeKeys: ['colour=red'] } };
    expect(body.post_filter).toEqual({ bool: { filter: [category, price, attribute] } });
    const facetFilter = (name: string) => (body.aggs![name] as { filter: unknown }).filter;
    expect(facetFilter('categories')).toEqual({ bool: { filter: [price, attribute] } });
    expect(facetFilter('priceRanges')).toEqual({ bool: { filter: [category, attribute] } });
    expect(facetFilter('attributes')).toEqual({ bool: { filter: [category, price] } });
  });

  it('ends every sort on the id keyword, so search_after resumes exactly', () => {
    for (const sort of ['RELEVANCE', 'PRICE_ASC', 'PRICE_DESC', 'NAME_ASC', 'NEWEST']) {
      expect((request({ sort }).sort as unknown[]).at(-1)).toEqual({ id: { order: 'asc' } });
    }
  });

  it('is typo-tolerant on text, and highlights only when there is text', () => {
    const body = request({ query: 'lmap' });
    expect(JSON.stringify(body.query)).toContain('"fuzziness":"AUTO"');
    expect(body.highlight?.encoder).toBe('html');
  });
});
