import { GraphQLError } from 'graphql';
import { pino } from 'pino';
import { formatError } from './graphql-observability';
import { createMetrics } from './metrics';
import { StoreGuard } from './store-guard';

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

describe('formatError for a service with stores', () => {
  const refused = Object.assign(new Error('connect ECONNREFUSED 10.0.0.7:5432'), { code: 'ECONNREFUSED' });
  const guard = new StoreGuard({
    store: 'postgres',
    isUnavailable: (error) => (error as { code?: string }).code === 'ECONNREFUSED',
    probe: async () => undefined,
    logger: pino({ level: 'silent' }),
    metrics: createMetrics('test'),
  });
  afterAll(() => guard.close());

  it.each([true, false])(
    'answers SERVICE_UNAVAILABLE, naming no store, for an error that says a store is unreachable (production: %s)',
    (production) => {
      const error = new GraphQLError(refused.message, { path: ['me'], originalError: refused });
      expect(formatError(production, [guard])(internal, error)).toEqual({
        message: 'A store this request needs is unavailable; try again shortly',
        path: ['product', 'price'],
        locations: [{ line: 1, column: 3 }],
        extensions: { code: 'SERVICE_UNAVAILABLE' },
      });
    },
  );

  it('leaves coded errors and other failures to the rules above', () => {
    const notFound = new GraphQLError('Product x was not found', { originalError: new Error('x') });
    expect(formatError(true, [guard])(coded, notFound)).toEqual({
      message: 'Product x was not found',
      path: ['product'],
      extensions: { code: 'NOT_FOUND', id: 'x' },
    });
  });
});
