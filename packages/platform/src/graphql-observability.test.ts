import { formatError } from './graphql-observability';

const internal = {
  message: 'connect ECONNREFUSED 10.0.0.7:5432',
  path: ['product', 'price'],
  locations: [{ line: 1, column: 3 }],
  extensions: { code: 'INTERNAL_SERVER_ERROR', stacktrace: ['Error: connect ECONNREFUSED', '    at TCPConnectWrap'] },
};
const coded = {
  message: 'Product x was not found',
  path: ['product'],
  extensions: { code: 'NOT_FOUND', id: 'x', stacktrace: ['at'] },
};

describe('formatError in production', () => {
  const format = formatError(true);

  it('replaces internal failures by a generic message, keeping the path and no stack', () => {
    expect(format(internal)).toEqual({
      message: 'Internal server error',
      path: ['product', 'price'],
      locations: [{ line: 1, column: 3 }],
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    });
  });

  it('keeps coded API errors with their message and details, without the stack', () => {
    expect(format(coded)).toEqual({
      message: 'Product x was not found',
      path: ['product'],
      extensions: { code: 'NOT_FOUND', id: 'x' },
    });
  });
});

describe('formatError in development', () => {
  it('leaves errors as they are, for debugging', () => {
    expect(formatError(false)(internal)).toBe(internal);
  });
});
