/**
 * `npm run migrate -- check`: every store's migrations against their models, their base and (with
 * --live) the running stores. One registry of checks, each with its own verdict (../contracts/check.ts).
 *
 *   models           per PostgreSQL service: every migration applied to an empty (shadow) database
 *                    yields exactly schema.prisma
 *   dry-run          against the base (merge-base with main): the SQL of the migrations this change
 *                    adds; fails when schema.prisma changed and no migration did, when an applied
 *                    migration was edited or removed, and on a destructive step not acknowledged in
 *                    prisma/changes.acknowledged
 *   mongo-versions   catalog's Mongo migrations: one file per version, each recorded with its hash
 *   search-template  the search index template: a changed template has a raised version
 *   live             (--live) each database's drift from its applied migrations, the SQL of what is
 *                    pending there (destructive steps on tables that hold rows need an
 *                    acknowledgement), and the versions the Mongo and Elasticsearch stores applied
 */
import path from 'node:path';
import { MongoClient } from 'mongodb';
import pg from 'pg';
import { parseAcknowledgements, unusedAcknowledgements, type Acknowledgements } from '../contracts/acknowledgements';
import { runChecks, skip, type Check, type Finding, type Report } from '../contracts/check';
import { resolveBase, workingTree, type Base, type FileSource } from '../contracts/git';
import { check, diffModels, drift } from '../prisma-migrate';
import { destructiveSteps, stepTarget, type DestructiveStep } from './destructive';
import {
  checkMongoVersions,
  checkTemplateVersions,
  MONGO_DIR,
  mongoVersions,
  TEMPLATE_FILE,
  templateEntry,
} from './versions';

export const MIGRATION_ACKNOWLEDGEMENTS = 'prisma/changes.acknowledged';

export interface PrismaServiceFiles {
  name: string;
  /** Relative to the repository root. */
  schemaFile: string;
  migrationsDir: string;
  /** The owner role's URL (migrations run as it): `<NAME>_MIGRATE_DATABASE_URL`. */
  urlVar: string;
}

export interface MigrationCheckOptions {
  root: string;
  base?: string;
  live?: boolean;
  env?: Record<string, string | undefined>;
  /** The versions catalogMigrations declares (each must be a versioned file). */
  declaredMongoVersions?: number[];
  /** Shadow databases' name prefix (tests give their own). */
  shadowPrefix?: string;
}

export interface MigrationCheckContext {
  root: string;
  files: FileSource;
  base: Base;
  env: Record<string, string | undefined>;
  live: boolean;
  services: PrismaServiceFiles[];
  acks: Acknowledgements;
  declaredMongoVersions?: number[];
  shadowPrefix?: string;
}

/** Every `prisma/<service>/schema.prisma` of the repository: no list to keep in step. */
export function prismaServices(files: FileSource): PrismaServiceFiles[] {
  return files
    .list('prisma')
    .filter((name) => files.read(`prisma/${name}/schema.prisma`) !== undefined)
    .map((name) => ({
      name,
      schemaFile: `prisma/${name}/schema.prisma`,
      migrationsDir: `prisma/${name}/migrations`,
      urlVar: `${name.toUpperCase()}_MIGRATE_DATABASE_URL`,
    }));
}

function needs(context: MigrationCheckContext, ...names: string[]): Record<string, string> {
  const missing = names.filter((n) => !context.env[n]);
  if (missing.length)
    throw new Error(`needs ${missing.join(' and ')} (scripts/stack up writes them to .data/stack.env)`);
  return Object.fromEntries(names.map((n) => [n, context.env[n]!]));
}

const abs = (context: MigrationCheckContext, file: string) => path.join(context.root, file);

/** The migration folders (those with a migration.sql) and their SQL. */
function migrationsIn(files: FileSource, dir: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const entry of files.list(dir)) {
    const sql = files.read(`${dir}/${entry}/migration.sql`);
    if (sql !== undefined) out.set(entry, sql);
  }
  return out;
}

export const modelsCheck: Check<MigrationCheckContext> = {
  name: 'models',
  title: 'migrations applied to an empty database yield exactly schema.prisma',
  async run(context) {
    const findings: Finding[] = [];
    for (const service of context.services) {
      const env = needs(context, 'POSTGRES_ADMIN_URL', service.urlVar);
      const sql = await check({
        schemaPath: abs(context, service.schemaFile),
        migrationsDir: abs(context, service.migrationsDir),
        databaseUrl: env[service.urlVar]!,
        adminUrl: env['POSTGRES_ADMIN_URL']!,
      });
      if (sql !== null) {
        findings.push({
          severity: 'error',
          kind: 'MODEL_DIFFERS_FROM_MIGRATIONS',
          element: service.name,
          message: `${service.schemaFile} is not what its migrations build; the SQL missing from them is below. Run: npm run migrate -- create ${service.name} <what_changed>`,
          detail: sql,
        });
      }
    }
    return { findings, summary: context.services.map((s) => s.name).join(', ') };
  },
};

function destructiveFinding(
  context: MigrationCheckContext,
  element: string,
  step: DestructiveStep,
  why: string,
  used: Set<string>,
): Finding {
  const ack = context.acks.find(element);
  if (ack) {
    used.add(element);
    return {
      severity: 'warning',
      kind: 'DESTRUCTIVE_STEP',
      element,
      message: `${step.action}${step.type ? ` to ${step.type}` : ''}, acknowledged (${context.acks.file}:${ack.line}: ${ack.reason})`,
    };
  }
  return {
    severity: 'error',
    kind: 'DESTRUCTIVE_STEP',
    element,
    message: `${step.action}${step.type ? ` to ${step.type}` : ''} ${why}: acknowledge it with a line "${element} <reason>" in ${context.acks.file}`,
    detail: step.statement,
  };
}

export const dryRunCheck: Check<MigrationCheckContext> = {
  name: 'dry-run',
  title: 'the migrations this change adds (dry run against the base)',
  async run(context) {
    if ('skipped' in context.base) return skip(`${context.base.skipped}; the dry run is skipped`);
    const base = context.base.source;
    const findings: Finding[] = [...context.acks.invalid];
    const used = new Set<string>();
    const summary: string[] = [];
    for (const service of context.services) {
      const before = migrationsIn(base, service.migrationsDir);
      const now = migrationsIn(context.files, service.migrationsDir);
      for (const [name, sql] of before) {
        if (!now.has(name)) {
          findings.push({
            severity: 'error',
            kind: 'MIGRATION_REMOVED',
            element: `${service.name}/${name}`,
            message: `existed at ${base.label} and is gone: databases that applied it can no longer be checked`,
          });
        } else if (now.get(name) !== sql) {
          findings.push({
            severity: 'error',
            kind: 'EDITED_MIGRATION',
            element: `${service.name}/${name}`,
            message: `changed since ${base.label}: never edit a migration that may be applied; add a new one`,
          });
        }
      }
      const pending = [...now.keys()].filter((n) => !before.has(n)).sort();
      summary.push(`${service.name} ${pending.length}`);
      for (const name of pending) {
        findings.push({
          severity: 'info',
          kind: 'PENDING_MIGRATION',
          element: `${service.name}/${name}`,
          message: 'adds this SQL',
          detail: now.get(name)!,
        });
        for (const step of await destructiveSteps(now.get(name)!)) {
          const element = `${service.name}/${name}/${stepTarget(step)}`;
          findings.push(destructiveFinding(context, element, step, '(CI cannot see whether it holds rows)', used));
        }
      }
      const schemaBefore = base.read(service.schemaFile);
      const schemaNow = context.files.read(service.schemaFile)!;
      if (schemaBefore !== schemaNow && !pending.length) {
        const env = needs(context, service.urlVar);
        const sql =
          schemaBefore === undefined
            ? 'a new schema'
            : await diffModels({ databaseUrl: env[service.urlVar]!, from: schemaBefore, to: schemaNow });
        if (sql) {
          findings.push({
            severity: 'error',
            kind: 'MODEL_CHANGE_WITHOUT_MIGRATION',
            element: service.name,
            message: `${service.schemaFile} changed since ${base.label} and no migration was added: the dry run is empty. Run: npm run migrate -- create ${service.name} <what_changed>`,
            detail: sql,
          });
        }
      }
    }
    findings.push(...unusedAcknowledgements(context.acks, used));
    return { findings, summary: `against ${base.label}; migrations added: ${summary.join(', ')}` };
  },
};

const baseFiles = (context: MigrationCheckContext) => ('skipped' in context.base ? undefined : context.base.source);

export const mongoVersionsCheck: Check<MigrationCheckContext> = {
  name: 'mongo-versions',
  title: 'catalog’s Mongo migrations are versioned by content',
  run(context) {
    if (!context.files.list(MONGO_DIR).length) return skip(`no ${MONGO_DIR}/`);
    const versions = mongoVersions(context.files);
    return {
      findings: checkMongoVersions(context.files, baseFiles(context), context.declaredMongoVersions),
      summary: `versions ${versions.map((v) => v.version).join(', ') || 'none'}`,
    };
  },
};

export const templateVersionsCheck: Check<MigrationCheckContext> = {
  name: 'search-template',
  title: 'the search index template is versioned by content',
  run(context) {
    const text = context.files.read(TEMPLATE_FILE);
    if (text === undefined) return skip(`no ${TEMPLATE_FILE}`);
    const { version, entry } = templateEntry(JSON.parse(text));
    return {
      findings: checkTemplateVersions(context.files, baseFiles(context)),
      summary: `version ${version}, mappings schemaVersion ${entry.schemaVersion}`,
    };
  },
};

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

/** How many rows a destructive step would touch in a live database (null: the table is not there). */
async function rowsAt(url: string, step: DestructiveStep): Promise<number | null> {
  const table = `${pg.escapeIdentifier(step.schema ?? 'public')}.${pg.escapeIdentifier(step.table)}`;
  const exists = await query<{ t: string | null }>(url, `SELECT to_regclass(${pg.escapeLiteral(table)})::text AS t`);
  if (!exists[0]?.t) return null;
  const where = step.column && step.action !== 'DELETE' ? ` WHERE ${pg.escapeIdentifier(step.column)} IS NOT NULL` : '';
  return (await query<{ n: number }>(url, `SELECT count(*)::int AS n FROM ${table}${where}`))[0]!.n;
}

export const liveCheck: Check<MigrationCheckContext> = {
  name: 'live',
  title: 'live stores against their migrations (drift, pending SQL, applied versions)',
  async run(context) {
    if (!context.live) return skip('not asked (--live)');
    const findings: Finding[] = [];
    const used = new Set<string>();
    const summary: string[] = [];
    for (const service of context.services) {
      const env = needs(context, 'POSTGRES_ADMIN_URL', service.urlVar);
      const url = env[service.urlVar]!;
      const state = await drift({
        schemaPath: abs(context, service.schemaFile),
        migrationsDir: abs(context, service.migrationsDir),
        databaseUrl: url,
        adminUrl: env['POSTGRES_ADMIN_URL']!,
        ...(context.shadowPrefix ? { shadowPrefix: context.shadowPrefix } : {}),
      });
      summary.push(`${service.name} ${state.applied.length} applied, ${state.pending.length} pending`);
      if (state.sql !== null) {
        findings.push({
          severity: 'error',
          kind: 'DRIFT',
          element: service.name,
          message: `the live database differs from what its ${state.applied.length} applied migrations build (changed by hand?); the SQL from the migrations' schema to the live one:`,
          detail: state.sql,
        });
      }
      const sqlOf = migrationsIn(context.files, service.migrationsDir);
      for (const name of state.pending) {
        const sql = sqlOf.get(name) ?? '';
        findings.push({
          severity: 'info',
          kind: 'PENDING_MIGRATION',
          element: `${service.name}/${name}`,
          message: 'pending here; deploy would run',
          detail: sql,
        });
        for (const step of await destructiveSteps(sql)) {
          const element = `${service.name}/${name}/${stepTarget(step)}`;
          const rows = await rowsAt(url, step);
          if (!rows) {
            findings.push({
              severity: 'info',
              kind: 'DESTRUCTIVE_STEP',
              element,
              message: `${step.action} on ${rows === null ? 'a table not there yet' : 'no rows'}: nothing is lost`,
            });
          } else
            findings.push(
              destructiveFinding(context, element, step, `touches ${rows} row${rows === 1 ? '' : 's'} with data`, used),
            );
        }
      }
    }
    const mongoUrl = context.env['MONGO_URL'];
    if (mongoUrl && context.files.list(MONGO_DIR).length) {
      const client = await new MongoClient(mongoUrl).connect();
      try {
        const rows = await client
          .db(context.env['CATALOG_DB_NAME'])
          .collection<{ _id: number; name: string }>('_migrations')
          .find({})
          .toArray();
        const declared = mongoVersions(context.files);
        const applied = rows.map((r) => r._id).sort((a, b) => a - b);
        const pending = declared.filter((v) => !applied.includes(v.version)).map((v) => v.version);
        summary.push(
          `catalog at version ${applied.at(-1) ?? 0}${pending.length ? `, pending ${pending.join(', ')}` : ''}`,
        );
        for (const row of rows) {
          const file = declared.find((v) => v.version === row._id);
          if (!file || file.name !== row.name) {
            findings.push({
              severity: 'error',
              kind: 'UNKNOWN_APPLIED_VERSION',
              element: `catalog@${row._id}`,
              message: `applied as "${row.name}", which ${MONGO_DIR}/ does not have`,
            });
          }
        }
      } finally {
        await client.close();
      }
    }
    const esUrl = context.env['ELASTICSEARCH_URL'];
    const text = context.files.read(TEMPLATE_FILE);
    if (esUrl && text) {
      const alias = context.env['SEARCH_INDEX_ALIAS'] ?? 'products';
      const { version, entry } = templateEntry(JSON.parse(text));
      const template = (await (await fetch(`${esUrl}/_index_template/${encodeURIComponent(alias)}`)).json()) as {
        index_templates?: { index_template: { version?: number } }[];
      };
      const live = template.index_templates?.[0]?.index_template.version ?? null;
      const aliased = (await (await fetch(`${esUrl}/_alias/${encodeURIComponent(alias)}`)).json()) as Record<
        string,
        unknown
      >;
      const index = Object.keys(aliased).find((k) => k !== 'error' && k !== 'status');
      const mapping = index
        ? ((await (await fetch(`${esUrl}/${index}/_mapping`)).json()) as Record<
            string,
            { mappings?: { _meta?: { schemaVersion?: number } } }
          >)
        : {};
      const schemaVersion = index ? (mapping[index]?.mappings?._meta?.schemaVersion ?? null) : null;
      summary.push(
        `search template at version ${live ?? 'none'}, ${index ?? 'no index'} at schema ${schemaVersion ?? 'none'}`,
      );
      if (live !== version)
        findings.push({
          severity: 'info',
          kind: 'PENDING_TEMPLATE',
          element: `search template@${version}`,
          message: `the live template is at version ${live ?? 'none'}: npm run migrate applies ${version}`,
        });
      if (index && schemaVersion !== entry.schemaVersion)
        findings.push({
          severity: 'info',
          kind: 'OUTDATED_INDEX',
          element: index,
          message: `built with mappings schema ${schemaVersion ?? 'none'}, the template has ${entry.schemaVersion}: npm run reindex`,
        });
    }
    return { findings, summary: summary.join('; ') };
  },
};

export const MIGRATION_CHECKS: readonly Check<MigrationCheckContext>[] = [
  modelsCheck,
  dryRunCheck,
  mongoVersionsCheck,
  templateVersionsCheck,
  liveCheck,
];

export function runMigrationCheck(
  options: MigrationCheckOptions,
  checks: readonly Check<MigrationCheckContext>[] = MIGRATION_CHECKS,
): Promise<Report> {
  const files = workingTree(options.root);
  return runChecks(checks, {
    root: options.root,
    files,
    base: resolveBase(options.root, options.base),
    env: options.env ?? process.env,
    live: options.live ?? false,
    services: prismaServices(files),
    acks: parseAcknowledgements(MIGRATION_ACKNOWLEDGEMENTS, files.read(MIGRATION_ACKNOWLEDGEMENTS)),
    ...(options.declaredMongoVersions ? { declaredMongoVersions: options.declaredMongoVersions } : {}),
    ...(options.shadowPrefix ? { shadowPrefix: options.shadowPrefix } : {}),
  });
}
