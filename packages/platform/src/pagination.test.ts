import { z } from 'zod';
import { decodeCursor, encodeCursor, toConnection } from './pagination';

const shape = z.tuple([z.number(), z.string()]);

describe('cursors', () => {
  it('round-trip the sort key they were made from', () => {
    expect(decodeCursor(encodeCursor([1999, 'abc']), shape)).toEqual([1999, 'abc']);
    expect(decodeCursor(encodeCursor([1, 'Ünïcødé 😀 \ufffe']), shape)).toEqual([1, 'Ünïcødé 😀 \ufffe']);
  });

  it.each([
    ['not base64 json', '%%%'],
    ['json of the wrong shape', encodeCursor(['x', 'y'])],
    ['garbage', 'bm90IGEgY3Vyc29y'],
    // the shape fits, but a sort key the stores cannot hold was never in a cursor we issued
    ['a sort key holding NUL', encodeCursor([1, 'a\u0000b'])],
    ['a sort key holding an unpaired surrogate', encodeCursor([1, 'a\ud800b'])],
  ])('reject %s with BAD_USER_INPUT', (_what, cursor) => {
    expect(() => decodeCursor(cursor, shape)).toThrow(
      expect.objectContaining({ extensions: expect.objectContaining({ code: 'BAD_USER_INPUT' }) }),
    );
  });
});

describe('toConnection', () => {
  it('uses the extra row only to say a next page exists', () => {
    const page = toConnection([1, 2, 3], 2, String, false);
    expect(page.edges.map((e) => e.node)).toEqual([1, 2]);
    expect(page.pageInfo).toEqual({ hasNextPage: true, hasPreviousPage: false, startCursor: '1', endCursor: '2' });
  });

  it('ends without a next page and with null cursors when empty', () => {
    expect(toConnection([], 5, String, true).pageInfo).toEqual({
      hasNextPage: false,
      hasPreviousPage: true,
      startCursor: null,
      endCursor: null,
    });
  });
});
