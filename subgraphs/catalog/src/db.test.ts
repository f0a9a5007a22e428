import { isMongoUnavailable } from './db';

const named = (name: string, message: string, extra: Record<string, unknown> = {}) =>
  Object.assign(new Error(message), { name, ...extra });

// Shapes the MongoDB driver 7 and FerretDB 1.24 answer with (from the catalog's log while the
// stack's FerretDB, then its PostgreSQL, were killed).
describe('isMongoUnavailable', () => {
  it.each([
    ['no server', named('MongoServerSelectionError', 'connect ECONNREFUSED 127.0.0.1:27017')],
    ['a broken connection', named('MongoNetworkError', 'connection 3 to 127.0.0.1:27017 closed')],
    ['a cleared pool', named('MongoPoolClearedError', 'Connection pool for 127.0.0.1:27017 was cleared')],
    [
      'FerretDB without its PostgreSQL',
      named(
        'MongoServerError',
        '[msg_find.go:344 handler.handleMaxTimeMSError] [collection.go:109 postgresql.(*collection).Query] failed to connect to `user=catalog database=catalog`: dial tcp 127.0.0.1:5432: connect: connection refused',
        { code: 1, codeName: 'InternalError' },
      ),
    ],
    [
      "FerretDB's PostgreSQL restarting",
      named('MongoServerError', 'FATAL: the database system is starting up (SQLSTATE 57P03)', { code: 1 }),
    ],
    ['a server shutting down', named('MongoServerError', 'The server is in quiesce mode', { code: 91 })],
  ])('%s: yes', (_what, error) => {
    expect(isMongoUnavailable(error)).toBe(true);
  });

  it.each([
    ['a duplicate key', named('MongoServerError', 'E11000 duplicate key error', { code: 11000 })],
    ['another internal error', named('MongoServerError', 'unexpected field type', { code: 1 })],
    ['a validation error', named('ValidationError', 'Product validation failed: price.amount')],
  ])('%s: no', (_what, error) => {
    expect(isMongoUnavailable(error)).toBe(false);
  });
});
