import { isPostgresUnavailable } from './prisma';

// Shapes as Prisma 7 on adapter-pg and pg 8 throw them (taken from the services' logs while the
// stack's PostgreSQL was killed and restarted).
const prismaError = (code: string, cause: Record<string, unknown>, last = 'Can’t reach the database') =>
  Object.assign(new Error(`Invalid \`db.user.findMany()\` invocation:\n\n${last}`), {
    name: 'PrismaClientKnownRequestError',
    code,
    meta: { modelName: 'User', driverAdapterError: { name: 'DriverAdapterError', cause } },
  });
const pgError = (code: string, message: string) => Object.assign(new Error(message), { code, severity: 'FATAL' });

describe('isPostgresUnavailable', () => {
  it.each([
    [
      'unreachable (P1001)',
      prismaError(
        'P1001',
        { kind: 'DatabaseNotReachable', host: '127.0.0.1', port: 5432 },
        "Can't reach database server",
      ),
    ],
    ['connection closed', prismaError('P2010', { kind: 'ConnectionClosed' })],
    [
      'shutting down (57P01)',
      prismaError('P2010', { kind: 'postgres', code: '57P01', message: 'terminating connection' }),
    ],
    ['starting up (57P03)', pgError('57P03', 'the database system is starting up')],
    ['too many connections', pgError('53300', 'sorry, too many clients already')],
    ['a lost connection', new Error('Connection terminated unexpectedly')],
    ['no connection in time', new Error('timeout exceeded when trying to connect')],
    ['refused', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })],
    ['wrapped', new Error('raw query failed', { cause: pgError('08006', 'connection failure') })],
  ])('%s: yes', (_what, error) => {
    expect(isPostgresUnavailable(error)).toBe(true);
  });

  it.each([
    [
      'a unique violation',
      prismaError('P2002', { kind: 'UniqueConstraintViolation' }, 'Unique constraint failed on the fields: (`email`)'),
    ],
    ['a syntax error', pgError('42601', 'syntax error at or near "SELEC"')],
    ['a record not found', Object.assign(new Error('No record was found'), { code: 'P2025' })],
    ['not an error', 'ECONNREFUSED'],
  ])('%s: no', (_what, error) => {
    expect(isPostgresUnavailable(error)).toBe(false);
  });
});
