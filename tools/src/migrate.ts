/**
 * npm run migrate [-- deploy|create|check|status ...]: every service's schema migrations.
 *
 *   deploy [service]        apply pending migrations (default: every service)
 *   create <service> <name> write the next Prisma migration from schema.prisma
 *   check [--base <ref>] [--live] [--only <a,b>] [--json]
 *                           every migration check (tools/src/migration-check/): models vs
 *                           migrations, the dry run against the base, Mongo and Elasticsearch
 *                           versions, and with --live each store's drift and pending SQL (CI)
 *   record                  record the hash of new Mongo migration / search template versions
 *   status                  what is applied and pending where
 *
 * PostgreSQL services migrate as their owner role (<SERVICE>_MIGRATE_DATABASE_URL); create and
 * check replay the migrations in a temporary shadow database made through POSTGRES_ADMIN_URL.
 * The catalog's collections and indexes are versioned migrations too (MONGO_URL), and so is the
 * search index's template with its first versioned index behind the alias (ELASTICSEARCH_URL).
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { MongoClient } from 'mongodb';
import { catalogMigrations } from '@polystore/catalog/dist/migrations';
import { migrateMongo } from '@polystore/catalog/dist/migrations/runner';
import { createMetrics } from '@polystore/platform';
import { createElasticsearch } from '@polystore/search/dist/elasticsearch';
import { deployProductIndex } from '@polystore/search/dist/products/deploy';
import { IndexNames, ProductIndexRepository } from '@polystore/search/dist/products/product-index.repository';
import { exitCode, formatReport } from './contracts/check';
import { workingTree } from './contracts/git';
import { MIGRATION_CHECKS, runMigrationCheck } from './migration-check';
import { MONGO_RECORD, recordMongoVersions, recordTemplateVersion, TEMPLATE_RECORD } from './migration-check/versions';
import { create, deploy, MigrateError, status } from './prisma-migrate';

const ROOT = path.resolve(__dirname, '../..');

interface PrismaService {
  name: string;
  schemaPath: string;
  migrationsDir: string;
  urlVar: string;
}

/** Every PostgreSQL service with a Prisma schema. */
export const PRISMA_SERVICES: PrismaService[] = ['accounts', 'orders', 'payments'].map((name) => ({
  name,
  schemaPath: path.join(ROOT, 'prisma', name, 'schema.prisma'),
  migrationsDir: path.join(ROOT, 'prisma', name, 'migrations'),
  urlVar: `${name.toUpperCase()}_MIGRATE_DATABASE_URL`,
}));

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new MigrateError(`${name} is not set (scripts/stack up writes it to .data/stack.env)`, 'USAGE');
  return value;
}

function prismaService(name: string | undefined): PrismaService {
  const service = PRISMA_SERVICES.find((s) => s.name === name);
  if (!service) {
    throw new MigrateError(
      `unknown PostgreSQL service ${name ?? '(none)'}; one of: ${PRISMA_SERVICES.map((s) => s.name).join(', ')}`,
      'USAGE',
    );
  }
  return service;
}

export async function deployCatalog(mongoUrl: string, dbName?: string, log: (l: string) => void = console.error) {
  const client = await new MongoClient(mongoUrl).connect();
  try {
    const applied = await migrateMongo(client.db(dbName), catalogMigrations, (l) => log(`catalog: ${l}`));
    log(`catalog: ${applied.length ? `applied ${applied.join(', ')}` : 'up to date'}`);
  } finally {
    await client.close();
  }
}

export async function deploySearch(esUrl: string, alias = 'products', log: (l: string) => void = console.error) {
  const es = createElasticsearch(esUrl, createMetrics('migrate'));
  try {
    const report = await deployProductIndex(new ProductIndexRepository(es, new IndexNames(alias)), (l) =>
      log(`search: ${l}`),
    );
    if (!report.created) log(`search: template applied; ${alias} → ${report.index}`);
  } finally {
    await es.close();
  }
}

async function main(argv: string[]): Promise<number> {
  const [command = 'deploy', ...args] = argv;
  const log = (line: string) => console.error(line);
  switch (command) {
    case 'deploy': {
      const only = args[0];
      for (const service of PRISMA_SERVICES.filter((s) => !only || s.name === only)) {
        const started = Date.now();
        const applied = await deploy({
          ...service,
          databaseUrl: env(service.urlVar),
          log: (l) => log(`${service.name}: ${l}`),
        });
        log(
          `${service.name}: ${applied.length ? `${applied.length} applied` : 'up to date'} (${Date.now() - started} ms)`,
        );
      }
      if (!only || only === 'catalog') await deployCatalog(env('MONGO_URL'), process.env['CATALOG_DB_NAME']);
      if (!only || only === 'search') await deploySearch(env('ELASTICSEARCH_URL'), process.env['SEARCH_INDEX_ALIAS']);
      return 0;
    }
    case 'create': {
      const service = prismaService(args[0]);
      const name = args[1];
      if (!name) throw new MigrateError('usage: npm run migrate -- create <service> <name>', 'USAGE');
      const created = await create({
        ...service,
        name,
        databaseUrl: env(service.urlVar),
        adminUrl: env('POSTGRES_ADMIN_URL'),
      });
      log(
        created ? `created prisma/${service.name}/migrations/${created}/migration.sql` : 'no changes: nothing written',
      );
      return 0;
    }
    case 'check': {
      const { values } = parseArgs({
        args,
        options: {
          base: { type: 'string' },
          live: { type: 'boolean', default: false },
          only: { type: 'string' },
          json: { type: 'boolean', default: false },
        },
        strict: true,
      });
      const only = values.only?.split(',').map((s) => s.trim());
      const unknown = only?.filter((name) => !MIGRATION_CHECKS.some((c) => c.name === name));
      if (unknown?.length) throw new MigrateError(`--only: unknown check ${unknown.join(', ')}`, 'USAGE');
      const report = await runMigrationCheck(
        {
          root: ROOT,
          ...(values.base ? { base: values.base } : {}),
          live: values.live,
          declaredMongoVersions: catalogMigrations.map((m) => m.version),
        },
        only ? MIGRATION_CHECKS.filter((c) => only.includes(c.name)) : MIGRATION_CHECKS,
      );
      process.stdout.write(
        values.json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report, 'migrate check'),
      );
      return exitCode(report);
    }
    case 'record': {
      const files = workingTree(ROOT);
      const mongo = recordMongoVersions(files);
      const template = recordTemplateVersion(files);
      for (const refused of [...mongo.refused, ...template.refused])
        log(`refused: ${refused.element}: ${refused.message}`);
      if (mongo.added.length)
        writeFileSync(path.join(ROOT, MONGO_RECORD), `${JSON.stringify(mongo.record, null, 2)}\n`);
      if (template.added.length)
        writeFileSync(path.join(ROOT, TEMPLATE_RECORD), `${JSON.stringify(template.record, null, 2)}\n`);
      log(`catalog: ${mongo.added.length ? `recorded ${mongo.added.join(', ')}` : 'nothing new'}`);
      log(`search template: ${template.added.length ? `recorded ${template.added.join(', ')}` : 'nothing new'}`);
      return mongo.refused.length || template.refused.length ? 1 : 0;
    }
    case 'status': {
      let behind = false;
      for (const service of PRISMA_SERVICES) {
        const s = await status({ ...service, databaseUrl: env(service.urlVar) });
        behind ||= s.pending.length > 0 || s.failed.length > 0 || s.edited.length > 0;
        log(
          `${service.name}: ${s.applied.length} applied, pending [${s.pending.join(', ')}], failed [${s.failed.join(', ')}], edited [${s.edited.join(', ')}]`,
        );
      }
      return behind ? 1 : 0;
    }
    default:
      throw new MigrateError(`unknown command ${command}; deploy, create, check, record or status`, 'USAGE');
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      const e = error as MigrateError;
      console.error(`migrate failed${e.code ? ` (${e.code})` : ''}: ${e.message}`);
      process.exit(e.code === 'USAGE' ? 2 : 1);
    },
  );
}
