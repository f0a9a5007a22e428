import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { databaseFromUrl, provisionDatabase, roleFromUrl } from '../tools/src/provision';
import { requireVar, stackEnv, uniqueSuffix } from './stack-env';

export interface TestDatabase {
  /** As the service's runtime role (DML only). */
  appUrl: string;
  /** As the owner role migrations run as. */
  ownerUrl: string;
  name: string;
  drop(): Promise<void>;
}

/**
 * The migrated template a service's test databases are copied from, named after the migrations it
 * holds, so runs with different migrations (branches, worktrees) never share or drop each other's.
 */
export function templateName(service: string, migrationsDir: string): string {
  const hash = createHash('sha256');
  for (const entry of readdirSync(migrationsDir).sort()) {
    const file = path.join(migrationsDir, entry, 'migration.sql');
    if (existsSync(file)) hash.update(entry).update(readFileSync(file));
  }
  return `${service}_tpl_${hash.digest('hex').slice(0, 12)}`;
}

const migrationsOf = (service: string) => path.resolve(__dirname, '..', 'prisma', service, 'migrations');

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/**
 * A fresh database for one test file, copied from the migrated template that the global setup
 * builds, with the same roles and grants as the real one (provisionDatabase).
 */
export async function createTestDatabase(service: string): Promise<TestDatabase> {
  const env = stackEnv();
  const adminUrl = requireVar(env, 'POSTGRES_ADMIN_URL');
  const appUrl = requireVar(env, `${service.toUpperCase()}_DATABASE_URL`);
  const ownerUrl = requireVar(env, `${service.toUpperCase()}_MIGRATE_DATABASE_URL`);
  const name = `${service}_t_${uniqueSuffix()}`;
  await provisionDatabase(
    adminUrl,
    { database: name, owner: roleFromUrl(ownerUrl), app: roleFromUrl(appUrl) },
    templateName(service, migrationsOf(service)),
  );
  return {
    name,
    appUrl: withDatabase(appUrl, name),
    ownerUrl: withDatabase(ownerUrl, name),
    drop: () => dropDatabase(adminUrl, name),
  };
}

export async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

/** Run SQL as a given role; resolves with the rows or rejects with PostgreSQL's error. */
export async function queryAs(url: string, sql: string, params: unknown[] = []): Promise<pg.QueryResultRow[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows;
  } finally {
    await client.end();
  }
}

export { databaseFromUrl, withDatabase };
