import { destructiveSteps, stepTarget } from './destructive';

describe('destructive steps of a migration, read with PostgreSQL’s parser', () => {
  it('finds dropped tables and columns, type changes, truncates and deletes, each with its statement', async () => {
    const sql = `-- DropTable
DROP TABLE "public"."legacy";

-- AlterTable
ALTER TABLE "users" DROP COLUMN "nickname",
ADD COLUMN "bio" TEXT,
ALTER COLUMN "name" SET DATA TYPE VARCHAR(50);

TRUNCATE "sessions";
DELETE FROM "audit" WHERE at < now() - interval '1 year';
CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$ BEGIN DELETE FROM x; RETURN 1; END; $$;
`;
    const steps = await destructiveSteps(sql);
    expect(steps.map((s) => [s.action, stepTarget(s), s.type])).toEqual([
      ['DROP TABLE', 'legacy', undefined],
      ['DROP COLUMN', 'users.nickname', undefined],
      ['ALTER COLUMN TYPE', 'users.name', 'varchar(50)'],
      ['TRUNCATE', 'sessions', undefined],
      ['DELETE', 'audit', undefined],
    ]);
    expect(steps[0]).toMatchObject({ schema: 'public', statement: 'DROP TABLE "public"."legacy"' });
  });

  it('finds nothing in additive SQL', async () => {
    expect(
      await destructiveSteps(
        'CREATE TABLE "a" ("id" INT PRIMARY KEY);\nALTER TABLE "a" ADD COLUMN "b" TEXT;\nCREATE INDEX "i" ON "a"("b");',
      ),
    ).toEqual([]);
  });
});
