import path from 'node:path';
import { GitRepo } from '../../test-support/git-repo';
import { dropDatabase, queryAs, withDatabase } from '../../test-support/postgres';
import { requireVar, stackEnv, uniqueSuffix } from '../../test-support/stack-env';
import type { Finding, Report } from '../src/contracts/check';
import { dryRunCheck, liveCheck, modelsCheck, runMigrationCheck } from '../src/migration-check';
import { create, deploy } from '../src/prisma-migrate';

// The migration checks on a fixture service `shop` in a scratch Git repository, against the
// stack's real PostgreSQL in a scratch database (never the stack's own databases).
const adminUrl = requireVar(stackEnv(), 'POSTGRES_ADMIN_URL');
const database = `migcheck_t_${uniqueSuffix()}`;
const url = withDatabase(adminUrl, database);
const shadowPrefix = `prisma_shadow_${database}_`;
const env = { POSTGRES_ADMIN_URL: adminUrl, SHOP_MIGRATE_DATABASE_URL: url };
const repo = new GitRepo();
const schemaPath = path.join(repo.root, 'prisma/shop/schema.prisma');
const migrationsDir = path.join(repo.root, 'prisma/shop/migrations');

const SCHEMA = `datasource db {
  provider = "postgresql"
}

model Book {
  id    Int     @id @default(autoincrement())
  title String
  note  String?
}
`;

async function migration(name: string): Promise<string> {
  const created = await create({ schemaPath, migrationsDir, name, databaseUrl: url, adminUrl, shadowPrefix });
  if (!created) throw new Error('no migration written');
  return created;
}
const check = (live = false) =>
  runMigrationCheck({ root: repo.root, env, live, shadowPrefix }, [modelsCheck, dryRunCheck, liveCheck]);
const verdicts = (report: Report) => Object.fromEntries(report.checks.map((c) => [c.name, c.verdict]));
const of = (report: Report, name: string): Finding[] => report.checks.find((c) => c.name === name)!.findings;
const errors = (report: Report, name: string) => of(report, name).filter((f) => f.severity === 'error');

let init = '';
beforeAll(async () => {
  await queryAs(adminUrl, `CREATE DATABASE ${database}`);
  repo.write('prisma/shop/schema.prisma', SCHEMA);
  init = await migration('init');
  repo.commit('shop v1');
});
afterAll(async () => {
  await dropDatabase(adminUrl, database);
  repo.dispose();
});
let n = 0;
beforeEach(() => repo.branch(`change-${++n}`));

describe('migration checks', () => {
  it('pass a model change that comes with its migration, printing the SQL the change adds', async () => {
    repo.edit('prisma/shop/schema.prisma', '  note  String?\n', '  note  String?\n  isbn  String?\n');
    const added = await migration('isbn');
    repo.commit('isbn');
    const report = await check();
    expect(verdicts(report)).toEqual({ models: 'pass', 'dry-run': 'pass', live: 'skip' });
    expect(of(report, 'dry-run')).toEqual([
      expect.objectContaining({
        kind: 'PENDING_MIGRATION',
        element: `shop/${added}`,
        detail: expect.stringContaining('ADD COLUMN     "isbn" TEXT'),
      }),
    ]);
  });

  it('fail a model change without a migration: the models differ and the dry run is empty', async () => {
    repo
      .edit('prisma/shop/schema.prisma', '  note  String?\n', '  note  String?\n  isbn  String?\n')
      .commit('isbn, no migration');
    const report = await check();
    expect(errors(report, 'models')).toEqual([
      expect.objectContaining({
        kind: 'MODEL_DIFFERS_FROM_MIGRATIONS',
        element: 'shop',
        detail: expect.stringContaining('"isbn"'),
      }),
    ]);
    expect(errors(report, 'dry-run')).toEqual([
      expect.objectContaining({
        kind: 'MODEL_CHANGE_WITHOUT_MIGRATION',
        element: 'shop',
        message: expect.stringContaining('no migration was added: the dry run is empty'),
      }),
    ]);
  });

  it('pass a schema.prisma change that models nothing new (a comment) without a migration', async () => {
    repo.edit('prisma/shop/schema.prisma', 'model Book {', '/// A book on the shelf.\nmodel Book {').commit('comment');
    expect((await check()).verdict).toBe('pass');
  });

  it('fail a destructive migration without an acknowledgement, and pass it with one', async () => {
    repo.edit('prisma/shop/schema.prisma', '  note  String?\n', '');
    const dropped = await migration('drop_note');
    repo.commit('drop Book.note');
    const unacknowledged = await check();
    expect(errors(unacknowledged, 'dry-run')).toEqual([
      expect.objectContaining({
        kind: 'DESTRUCTIVE_STEP',
        element: `shop/${dropped}/Book.note`,
        message: expect.stringContaining(
          `DROP COLUMN (CI cannot see whether it holds rows): acknowledge it with a line "shop/${dropped}/Book.note <reason>" in prisma/changes.acknowledged`,
        ),
      }),
    ]);

    repo
      .write('prisma/changes.acknowledged', `shop/${dropped}/Book.note notes moved to the reviews service in 2026-11\n`)
      .commit('ack');
    const acknowledged = await check();
    expect(acknowledged.verdict).toBe('pass');
    expect(of(acknowledged, 'dry-run')).toContainEqual(
      expect.objectContaining({ severity: 'warning', kind: 'DESTRUCTIVE_STEP', element: `shop/${dropped}/Book.note` }),
    );
  });

  it('fail an applied migration edited after the fact', async () => {
    repo
      .edit(`prisma/shop/migrations/${init}/migration.sql`, '"title" TEXT NOT NULL', '"title" VARCHAR(20) NOT NULL')
      .commit('edit init');
    expect(errors(await check(), 'dry-run')).toEqual([
      expect.objectContaining({ kind: 'EDITED_MIGRATION', element: `shop/${init}` }),
    ]);
  });

  describe('--live', () => {
    beforeAll(async () => {
      repo.branch('live'); // main's migrations, whatever the test before left in the working tree
      await deploy({ schemaPath, migrationsDir, databaseUrl: url });
    });

    it('report a live database that drifted from its migrations', async () => {
      expect(verdicts(await check(true))).toMatchObject({ live: 'pass' });
      await queryAs(url, 'ALTER TABLE "Book" ADD COLUMN "hacked" INTEGER');
      try {
        const report = await check(true);
        expect(errors(report, 'live')).toEqual([
          expect.objectContaining({
            kind: 'DRIFT',
            element: 'shop',
            message: expect.stringContaining('differs from what its 1 applied migrations build'),
            detail: expect.stringContaining('ADD COLUMN     "hacked" INTEGER'),
          }),
        ]);
      } finally {
        await queryAs(url, 'ALTER TABLE "Book" DROP COLUMN "hacked"');
      }
    });

    it('print what is pending there, and flag a destructive step only while the table holds rows', async () => {
      repo.edit('prisma/shop/schema.prisma', '  note  String?\n', '');
      const dropped = await migration('drop_note');
      repo.commit('drop Book.note');
      await queryAs(url, `INSERT INTO "Book" (title, note) VALUES ('Dune', 'signed')`);
      const withRows = await check(true);
      expect(of(withRows, 'live')).toEqual([
        expect.objectContaining({
          kind: 'PENDING_MIGRATION',
          element: `shop/${dropped}`,
          detail: expect.stringContaining('DROP COLUMN "note"'),
        }),
        expect.objectContaining({
          severity: 'error',
          kind: 'DESTRUCTIVE_STEP',
          element: `shop/${dropped}/Book.note`,
          message: expect.stringContaining('DROP COLUMN touches 1 row with data'),
        }),
      ]);
      await queryAs(url, 'UPDATE "Book" SET note = NULL');
      const noRows = await check(true);
      expect(of(noRows, 'live')).toContainEqual(
        expect.objectContaining({
          severity: 'info',
          kind: 'DESTRUCTIVE_STEP',
          message: 'DROP COLUMN on no rows: nothing is lost',
        }),
      );
      expect(errors(noRows, 'live')).toEqual([]);
    });
  });
});
