import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { AppError, ErrorCode } from '@polystore/platform';
import { provisionDatabase, roleFromUrl } from '../provision';
import { sha256 } from './digest';
import { recordFile, type ObjectRecord, type PartRecord } from './manifest';
import type { Inventory, PartBackup, ProgressFactory, RestoreOutcome, StorePart } from './part';

export interface PostgresTarget {
  service: string;
  /** The database, as its owner role (migrations run as it): dumps and restores run as it. */
  ownerUrl: string;
  /** The service's runtime role, granted its rows again after a restore. */
  appUrl: string;
  /** A superuser: only to drop and create the database on restore. */
  adminUrl?: string;
}

/** The newest Debian PostgreSQL client binaries (`PG_BIN_DIR` overrides). */
export function pgBinDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env['PG_BIN_DIR']) return env['PG_BIN_DIR'];
  const base = '/usr/lib/postgresql';
  let versions: string[] = [];
  try {
    versions = readdirSync(base).filter((v) => /^\d+$/.test(v));
  } catch {
    // no Debian PostgreSQL: the error below says what to install
  }
  const newest = versions.sort((a, b) => Number(a) - Number(b)).at(-1);
  if (!newest) {
    throw new AppError(
      ErrorCode.SERVICE_UNAVAILABLE,
      `pg_dump and pg_restore were not found under ${base}: apt-get install postgresql-client (or set PG_BIN_DIR)`,
    );
  }
  return path.join(base, newest, 'bin');
}

/** libpq's variables for a connection URL: the password never appears on a command line. */
export function libpqEnv(url: string): Record<string, string> {
  const u = new URL(url);
  return {
    PGHOST: u.hostname,
    PGPORT: u.port || '5432',
    PGUSER: decodeURIComponent(u.username),
    PGPASSWORD: decodeURIComponent(u.password),
    PGDATABASE: decodeURIComponent(u.pathname.replace(/^\//, '')),
  };
}

/** Run pg_dump or pg_restore; each line it writes on stderr goes to `onLine`; rejects with its last lines. */
function runPgTool(
  tool: string,
  args: string[],
  url: string,
  onLine: (line: string) => void,
  binDir = pgBinDir(),
): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(path.join(binDir, tool), args, {
      env: { ...process.env, ...libpqEnv(url), PGCONNECT_TIMEOUT: '10' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const tail: string[] = [];
    let pending = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      const lines = (pending + chunk).split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        onLine(line);
        tail.push(line);
        if (tail.length > 12) tail.shift();
      }
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve();
      else
        reject(
          new Error(
            `${tool} exited with ${code}: ${tail.filter((l) => !/^\S+: (dumping|processing)/.test(l)).join(' | ')}`,
          ),
        );
    });
  });
}

const USER_SCHEMAS = `n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%' AND n.nspname NOT LIKE 'pg_temp%'`;

/**
 * Every table (rows and a checksum of them), index, constraint, trigger, function and sequence of
 * the database, read in one snapshot. A table's checksum is the sum of a 64-bit slice of each row's
 * MD5 (`md5(row::text)`): computed by PostgreSQL, in constant memory, in any row order.
 */
export async function inventory(client: pg.Client): Promise<ObjectRecord[]> {
  const objects: ObjectRecord[] = [];
  const named = (schema: string, name: string) => (schema === 'public' ? name : `${schema}.${name}`);
  const tables = await client.query<{ schema: string; name: string }>(
    `SELECT n.nspname AS schema, c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p') AND ${USER_SCHEMAS} ORDER BY 1, 2`,
  );
  for (const { schema, name } of tables.rows) {
    const table = `${pg.escapeIdentifier(schema)}.${pg.escapeIdentifier(name)}`;
    const { rows } = await client.query<{ rows: string; sum: string }>(
      `SELECT count(*)::text AS rows, coalesce(sum(('x' || left(md5(t::text), 16))::bit(64)::bigint), 0)::text AS sum
         FROM ${table} t`,
    );
    objects.push({ kind: 'table', name: named(schema, name), count: Number(rows[0]!.rows), checksum: rows[0]!.sum });
  }
  const definitions: [kind: string, sql: string][] = [
    [
      'index',
      `SELECT schemaname AS schema, tablename || '/' || indexname AS name, indexdef AS def FROM pg_indexes n
        WHERE ${USER_SCHEMAS.replaceAll('n.nspname', 'n.schemaname')}`,
    ],
    [
      'constraint',
      `SELECT n.nspname AS schema, c.relname || '/' || k.conname AS name, pg_get_constraintdef(k.oid) AS def
         FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE ${USER_SCHEMAS}`,
    ],
    [
      'trigger',
      `SELECT n.nspname AS schema, c.relname || '/' || t.tgname AS name, pg_get_triggerdef(t.oid) AS def
         FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE NOT t.tgisinternal AND ${USER_SCHEMAS}`,
    ],
    [
      'function',
      `SELECT n.nspname AS schema, p.oid::regprocedure::text AS name, pg_get_functiondef(p.oid) AS def
         FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE p.prokind IN ('f', 'p') AND ${USER_SCHEMAS}`,
    ],
    [
      'sequence',
      `SELECT schemaname AS schema, sequencename AS name, coalesce(last_value::text, 'unused') AS def FROM pg_sequences n
        WHERE ${USER_SCHEMAS.replaceAll('n.nspname', 'n.schemaname')}`,
    ],
  ];
  for (const [kind, sql] of definitions) {
    const { rows } = await client.query<{ schema: string; name: string; def: string }>(`${sql} ORDER BY 1, 2`);
    for (const row of rows) objects.push({ kind, name: named(row.schema, row.name), checksum: sha256(row.def) });
  }
  return objects;
}

/** One service's PostgreSQL database: pg_dump's custom format, restored by pg_restore. */
export class PostgresPart implements StorePart {
  readonly store = 'postgres' as const;
  readonly id: string;
  readonly service: string;
  readonly where: string;
  private readonly database: string;

  constructor(private readonly target: PostgresTarget) {
    this.service = target.service;
    this.id = `postgres/${target.service}`;
    this.database = decodeURIComponent(new URL(target.ownerUrl).pathname.slice(1));
    this.where = `PostgreSQL database ${this.database}`;
  }

  private file(): string {
    return `postgres/${this.service}.dump`;
  }

  async backup(folder: string, progress: ProgressFactory): Promise<PartBackup> {
    mkdirSync(path.join(folder, 'postgres'), { recursive: true });
    const client = new pg.Client({ connectionString: this.target.ownerUrl });
    await client.connect();
    try {
      // pg_dump reads the snapshot this transaction exported: the counts and checksums recorded
      // are those of exactly the rows in the dump, whatever is written meanwhile.
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY');
      const snapshot = (await client.query<{ id: string }>('SELECT pg_export_snapshot() AS id')).rows[0]!.id;
      const objects = await inventory(client);
      const step = progress(`${this.id}: tables`, objects.filter((o) => o.kind === 'table').length);
      await runPgTool(
        'pg_dump',
        ['--format=custom', `--snapshot=${snapshot}`, '--verbose', `--file=${path.join(folder, this.file())}`],
        this.target.ownerUrl,
        (line) => {
          if (line.includes('dumping contents of table')) step.tick();
        },
      );
      step.finish();
      await client.query('COMMIT');
      return {
        source: this.database,
        objects,
        files: [await recordFile(folder, this.file())],
        details: {},
      };
    } finally {
      await client.end();
    }
  }

  async contents(): Promise<string | null> {
    const client = new pg.Client({ connectionString: this.target.ownerUrl });
    try {
      await client.connect();
    } catch (error) {
      if ((error as { code?: string }).code === '3D000') return null; // no such database
      throw error;
    }
    try {
      const { rows } = await client.query<{ n: string }>(
        `SELECT count(*)::text AS n FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S') AND ${USER_SCHEMAS}`,
      );
      const n = Number(rows[0]!.n);
      return n ? `${n} tables, views and sequences` : null;
    } finally {
      await client.end();
    }
  }

  private admin(): string {
    if (!this.target.adminUrl) {
      throw new AppError(
        ErrorCode.BAD_USER_INPUT,
        `restoring ${this.where} needs POSTGRES_ADMIN_URL (a superuser creates the database and its grants)`,
      );
    }
    return this.target.adminUrl;
  }

  async clean(): Promise<void> {
    const client = new pg.Client({ connectionString: this.admin() });
    await client.connect();
    try {
      await client.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(this.database)} WITH (FORCE)`);
    } finally {
      await client.end();
    }
  }

  private provision(): Promise<void> {
    return provisionDatabase(this.admin(), {
      database: this.database,
      owner: roleFromUrl(this.target.ownerUrl),
      app: roleFromUrl(this.target.appUrl),
    });
  }

  async restore(folder: string, record: PartRecord, progress: ProgressFactory): Promise<RestoreOutcome> {
    // The database and its roles as provisioning makes them; the objects owned by the owner role
    // (whatever role owned them where the dump was made), and the service role's grants made
    // again by provisioning: privileges are provisioning's, never the dump's.
    await this.provision();
    const step = progress(`${this.id}: tables`, record.objects.filter((o) => o.kind === 'table').length);
    await runPgTool(
      'pg_restore',
      [
        '--no-owner',
        '--no-privileges',
        '--single-transaction',
        '--exit-on-error',
        '--verbose',
        `--dbname=${this.database}`,
        path.join(folder, this.file()),
      ],
      this.target.ownerUrl,
      (line) => {
        if (line.includes('processing data for table')) step.tick();
      },
    );
    step.finish();
    await this.provision();
    return { expected: () => record.objects, notes: [] };
  }

  async inventory(): Promise<Inventory> {
    const client = new pg.Client({ connectionString: this.target.ownerUrl });
    await client.connect();
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY');
      const objects = await inventory(client);
      await client.query('COMMIT');
      return { objects, asOf: Date.now() };
    } finally {
      await client.end();
    }
  }

  async close(): Promise<void> {}
}
