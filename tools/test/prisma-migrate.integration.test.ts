import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { dropDatabase, queryAs, withDatabase } from '../../test-support/postgres';
import { requireVar, stackEnv, uniqueSuffix } from '../../test-support/stack-env';
import { check, create, deploy, status } from '../src/prisma-migrate';

// The wasm schema engine against the stack's real PostgreSQL, in a scratch database and folder.
const adminUrl = requireVar(stackEnv(), 'POSTGRES_ADMIN_URL');
const database = `migrate_t_${uniqueSuffix()}`;
const url = withDatabase(adminUrl, database);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'polystore-migrate-'));
const schemaPath = path.join(dir, 'schema.prisma');
const migrationsDir = path.join(dir, 'migrations');
const options = { schemaPath, migrationsDir };
// Its own prefix for shadow databases: other test runs may be creating theirs at the same time.
const shadowPrefix = `prisma_shadow_${database}_`;

const SCHEMA = `datasource db {
  provider = "postgresql"
}

model Shelf {
  id    Int    @id @default(autoincrement())
  label String @unique
}
`;
const SCHEMA_V2 = `${SCHEMA}
model Book {
  id      Int    @id @default(autoincrement())
  title   String
  shelfId Int
}
`;

const sha256 = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

beforeAll(async () => {
  fs.writeFileSync(schemaPath, SCHEMA);
  await queryAs(adminUrl, `CREATE DATABASE ${database}`);
});
afterAll(async () => {
  await dropDatabase(adminUrl, database);
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('prisma migrations on the wasm engine', () => {
  let first = '';

  it('create writes the first migration and the lock file, leaving no shadow database behind', async () => {
    first = (await create({ ...options, name: 'Add shelves', databaseUrl: url, adminUrl, shadowPrefix }))!;
    expect(first).toMatch(/^\d{14}_add_shelves$/);
    expect(fs.readFileSync(path.join(migrationsDir, first, 'migration.sql'), 'utf8')).toMatch(/CREATE TABLE "Shelf"/);
    expect(fs.readFileSync(path.join(migrationsDir, 'migration_lock.toml'), 'utf8')).toContain(
      'provider = "postgresql"',
    );
    const shadows = await queryAs(adminUrl, `SELECT datname FROM pg_database WHERE starts_with(datname, $1)`, [
      shadowPrefix,
    ]);
    expect(shadows).toEqual([]);
  });

  it('deploy applies it once, recorded as prisma migrate deploy records it', async () => {
    expect(await deploy({ ...options, databaseUrl: url })).toEqual([first]);
    expect(await deploy({ ...options, databaseUrl: url })).toEqual([]);
    const rows = await queryAs(
      url,
      'SELECT migration_name, checksum, finished_at, applied_steps_count, logs FROM _prisma_migrations',
    );
    expect(rows).toEqual([
      {
        migration_name: first,
        checksum: sha256(path.join(migrationsDir, first, 'migration.sql')),
        finished_at: expect.any(Date),
        applied_steps_count: 1,
        logs: null,
      },
    ]);
  });

  it('check finds drift after schema.prisma changes, and create then writes only the difference', async () => {
    expect(await check({ ...options, databaseUrl: url, adminUrl })).toBeNull();
    expect(await create({ ...options, name: 'nothing', databaseUrl: url, adminUrl })).toBeNull();
    fs.writeFileSync(schemaPath, SCHEMA_V2);
    expect(await check({ ...options, databaseUrl: url, adminUrl })).toMatch(/CREATE TABLE "Book"/);
    const second = (await create({ ...options, name: 'books', databaseUrl: url, adminUrl }))!;
    expect(fs.readFileSync(path.join(migrationsDir, second, 'migration.sql'), 'utf8')).not.toMatch(/"Shelf"/);
    expect((await status({ ...options, databaseUrl: url })).pending).toEqual([second]);
    expect(await deploy({ ...options, databaseUrl: url })).toEqual([second]);
    expect(await status({ ...options, databaseUrl: url })).toEqual({
      applied: [first, second],
      pending: [],
      failed: [],
      edited: [],
    });
  });

  it('refuses to deploy when an applied migration was edited', async () => {
    const file = path.join(migrationsDir, first, 'migration.sql');
    const original = fs.readFileSync(file, 'utf8');
    fs.writeFileSync(file, `${original}\n-- edited\n`);
    try {
      await expect(deploy({ ...options, databaseUrl: url })).rejects.toMatchObject({
        code: 'EDITED_MIGRATION',
        migrationName: first,
      });
    } finally {
      fs.writeFileSync(file, original);
    }
  });

  it('applies a script with semicolons in strings and function bodies as one unit', async () => {
    const name = '29990101000000_tricky';
    fs.mkdirSync(path.join(migrationsDir, name));
    fs.writeFileSync(
      path.join(migrationsDir, name, 'migration.sql'),
      `INSERT INTO "Shelf" (label) VALUES ('a;b');\nCREATE FUNCTION shelf_count() RETURNS bigint LANGUAGE plpgsql AS $$\nBEGIN RETURN (SELECT count(*) FROM "Shelf"); END;\n$$;\n`,
    );
    expect(await deploy({ ...options, databaseUrl: url })).toEqual([name]);
    expect(await queryAs(url, 'SELECT label, shelf_count()::int AS n FROM "Shelf"')).toEqual([{ label: 'a;b', n: 1 }]);
  });

  it('reports a failing migration by name with the SQL error, keeps none of it, and blocks later runs', async () => {
    const name = '29990102000000_broken';
    fs.mkdirSync(path.join(migrationsDir, name));
    fs.writeFileSync(
      path.join(migrationsDir, name, 'migration.sql'),
      'CREATE TABLE half_done (id int);\nALTER TABLE nope ADD COLUMN x int;\n',
    );
    await expect(deploy({ ...options, databaseUrl: url })).rejects.toMatchObject({
      code: 'MIGRATION_FAILED',
      migrationName: name,
      message: expect.stringContaining('relation "nope" does not exist'),
    });
    expect(await queryAs(url, `SELECT to_regclass('half_done') AS t`)).toEqual([{ t: null }]);
    expect((await status({ ...options, databaseUrl: url })).failed).toEqual([name]);
    await expect(deploy({ ...options, databaseUrl: url })).rejects.toMatchObject({ code: 'P3009' });
  });
});
