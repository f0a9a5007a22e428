import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { AppError, createMetrics } from '@polystore/platform';
import { createDb, type Db } from '@polystore/accounts/dist/db';
import { createRoleService } from '@polystore/accounts/dist/role/role.service';
import { createTestDatabase, queryAs, type TestDatabase } from '../../test-support/postgres';
import { staffCommand, UsageError } from '../src/staff';

// `npm run staff` against a real accounts database (copied from the migrated template), as the
// accounts service's own role: the role and its audit row are written together or not at all.
let database: TestDatabase;
let db: Db;
const roles = () => createRoleService(db);

beforeAll(async () => {
  database = await createTestDatabase('accounts');
  db = createDb({ url: database.appUrl, poolSize: 4, metrics: createMetrics('staff-test') });
  for (const [email, name] of [
    ['ada@example.com', 'Ada'],
    ['bob@example.com', 'Bob'],
    ['cy@example.com', 'Cy'],
    ['race@example.com', 'Race'],
  ]) {
    await db.user.create({ data: { email: email!, name: name!, passwordHash: 'scrypt$14$8$1$c2FsdA$aGFzaA' } });
  }
});
afterAll(async () => {
  await db?.$disconnect();
  await database?.drop();
});

/** Run a command, collecting its output; the operator is fixed. */
async function run(...argv: string[]): Promise<{ code: number; lines: string[] }> {
  const lines: string[] = [];
  const code = await staffCommand(
    argv,
    roles(),
    (l) => lines.push(l),
    () => 'tester@ops-host',
  );
  return { code, lines };
}

/** The rows of both tables, as the database holds them. */
async function tables() {
  return {
    roles: await db.userRole.findMany({ orderBy: [{ userId: 'asc' }] }),
    changes: await db.roleChange.findMany({ orderBy: [{ at: 'asc' }, { id: 'asc' }] }),
  };
}

const codeOf = (error: unknown) => (error as AppError).extensions['code'];

async function refused(argv: string[], code: string, reason?: string) {
  const before = await tables();
  const error = await run(...argv).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  expect(codeOf(error)).toBe(code);
  if (reason) expect((error as AppError).extensions['reason']).toBe(reason);
  expect(await tables()).toEqual(before);
  return error as AppError;
}

describe('npm run staff -- grant', () => {
  it('gives an existing user the staff role and records who, what, by whom, when and why, together', async () => {
    const started = Date.now();
    const { code, lines } = await run('grant', '  Ada@Example.com ', '--reason', 'runs the shop');
    expect(code).toBe(0);
    const ada = await db.user.findUniqueOrThrow({ where: { email: 'ada@example.com' } });
    expect(lines).toEqual([`granted staff: ada@example.com (${ada.id}) by tester@ops-host`]);
    const { roles: held, changes } = await tables();
    expect(held).toEqual([{ userId: ada.id, role: 'staff', grantedAt: expect.any(Date) }]);
    expect(changes).toEqual([
      {
        id: expect.any(String),
        userId: ada.id,
        role: 'staff',
        action: 'GRANTED',
        actor: 'tester@ops-host',
        reason: 'runs the shop',
        at: expect.any(Date),
      },
    ]);
    expect(changes[0]!.at.getTime()).toBeGreaterThanOrEqual(started - 5_000);
    expect(await roles().sessionRoles(ada.id)).toEqual(['customer', 'staff']);
  });

  it('--by names the operator instead of the system user', async () => {
    await run('grant', 'cy@example.com', '--by', 'alice (on call)');
    const cy = await db.user.findUniqueOrThrow({ where: { email: 'cy@example.com' } });
    expect(await db.roleChange.findMany({ where: { userId: cy.id }, select: { actor: true, reason: true } })).toEqual([
      { actor: 'alice (on call)', reason: null },
    ]);
  });

  it('refuses an unknown email with NOT_FOUND, writing nothing', async () => {
    const error = await refused(['grant', 'nobody@example.com'], 'NOT_FOUND');
    expect(error.message).toBe('No user has the email nobody@example.com');
  });

  it('refuses a user who is staff already with CONFLICT, writing nothing', async () => {
    await refused(['grant', 'ada@example.com', '--reason', 'again'], 'CONFLICT', 'ALREADY_GRANTED');
  });

  it.each([
    ['a malformed email', ['grant', 'not-an-email']],
    ['a reason over 500 characters', ['grant', 'bob@example.com', '--reason', 'x'.repeat(501)]],
    ['an empty operator', ['grant', 'bob@example.com', '--by', '  ']],
  ])('refuses %s with BAD_USER_INPUT, writing nothing', async (_what, argv) => {
    await refused(argv, 'BAD_USER_INPUT');
  });

  it('grants once when the same grant runs five times at once: one change, four CONFLICTs', async () => {
    const outcomes = await Promise.allSettled(
      Array.from({ length: 5 }, () => roles().grant({ email: 'race@example.com', role: 'staff', actor: 'racer' })),
    );
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    expect(outcomes.filter((o) => o.status === 'rejected').map((o) => codeOf(o.reason))).toEqual(
      Array(4).fill('CONFLICT'),
    );
    const race = await db.user.findUniqueOrThrow({ where: { email: 'race@example.com' } });
    expect(await db.roleChange.count({ where: { userId: race.id } })).toBe(1);
    expect(await db.userRole.count({ where: { userId: race.id } })).toBe(1);
  });
});

describe('npm run staff -- revoke, list, history', () => {
  it('lists everyone who holds the role', async () => {
    const { code, lines } = await run('list');
    expect(code).toBe(0);
    expect(lines.map((l) => l.split('\t').slice(0, 2).join(' '))).toEqual([
      'ada@example.com Ada',
      'cy@example.com Cy',
      'race@example.com Race',
      '3 staff',
    ]);
  });

  it('takes the role away and records it; the user stays a customer', async () => {
    const { code, lines } = await run('revoke', 'cy@example.com', '--reason', 'left the team');
    expect(code).toBe(0);
    expect(lines[0]).toMatch(/^revoked staff: cy@example\.com \(.+\) by tester@ops-host$/);
    const cy = await db.user.findUniqueOrThrow({ where: { email: 'cy@example.com' } });
    expect(await db.userRole.count({ where: { userId: cy.id } })).toBe(0);
    expect(await roles().sessionRoles(cy.id)).toEqual(['customer']);
    const history = await run('history', 'cy@example.com');
    expect(history.lines.map((l) => l.split('\t').slice(1))).toEqual([
      ['granted staff', 'by alice (on call)'],
      ['revoked staff', 'by tester@ops-host', 'left the team'],
    ]);
  });

  it('refuses to revoke from a user who is not staff with CONFLICT, and an unknown email with NOT_FOUND', async () => {
    await refused(['revoke', 'bob@example.com'], 'CONFLICT', 'NOT_GRANTED');
    await refused(['revoke', 'cy@example.com'], 'CONFLICT', 'NOT_GRANTED');
    await refused(['revoke', 'nobody@example.com'], 'NOT_FOUND');
    await refused(['history', 'nobody@example.com'], 'NOT_FOUND');
  });

  it.each([
    [[]],
    [['promote', 'ada@example.com']],
    [['grant']],
    [['grant', 'a@b.c', 'extra']],
    [['grant', 'a@b.c', '--force']],
    [['list', '--by', 'x']],
  ])('answers %j with a usage error', async (argv) => {
    const before = await tables();
    await expect(run(...argv)).rejects.toBeInstanceOf(UsageError);
    expect(await tables()).toEqual(before);
  });
});

describe('the audit table role_changes', () => {
  it("is append-only, even for the accounts service's own role", async () => {
    const before = await tables();
    for (const sql of [
      `UPDATE role_changes SET actor = 'someone else'`,
      'DELETE FROM role_changes',
      'TRUNCATE role_changes',
    ]) {
      await expect(queryAs(database.appUrl, sql)).rejects.toMatchObject({ code: '42501' });
    }
    expect(await tables()).toEqual(before);
  });
});

describe('the command as operators run it (tools/dist/staff.js, built)', () => {
  const exec = promisify(execFile);
  const script = path.resolve(__dirname, '..', 'dist', 'staff.js');
  const staff = (...argv: string[]) =>
    exec(process.execPath, [script, ...argv], { env: { ...process.env, ACCOUNTS_DATABASE_URL: database.appUrl } }).then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (error: { code: number; stdout: string; stderr: string }) => error,
    );

  it('exits 0 when done, 1 with the code when refused, 2 on bad usage', async () => {
    const granted = await staff('grant', 'bob@example.com', '--reason', 'from the shell');
    expect(granted).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(/^granted staff: bob@example\.com .* by \S+@\S+\n$/),
    });
    const again = await staff('grant', 'bob@example.com');
    expect(again).toMatchObject({ code: 1, stderr: 'staff: CONFLICT: bob@example.com is staff already\n' });
    const unknown = await staff('revoke', 'nobody@example.com');
    expect(unknown).toMatchObject({ code: 1, stderr: 'staff: NOT_FOUND: No user has the email nobody@example.com\n' });
    const usage = await staff('promote');
    expect(usage).toMatchObject({ code: 2, stderr: expect.stringContaining('usage: npm run staff -- grant <email>') });
  });
});
