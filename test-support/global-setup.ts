import { MongoClient } from 'mongodb';
import pg from 'pg';
import { PRISMA_SERVICES } from '../tools/src/migrate';
import { deploy } from '../tools/src/prisma-migrate';
import { startEgressLog } from './egress';
import { provisionDatabase, roleFromUrl } from '../tools/src/provision';
import { dropDatabase, templateName, withDatabase } from './postgres';
import { isStaleTestDatabase, stackEnv, uniqueSuffix } from './stack-env';

/**
 * Before the integration and end-to-end suites: hold every process of the run to loopback
 * (test-support/egress.ts), check the stores answer, drop what runs that
 * ended long ago left behind (databases, search indices and templates), and make sure one migrated template database exists per PostgreSQL
 * service, from which each test file copies its own database in milliseconds. Safe to run while
 * another test run (another worktree) uses the same stores.
 */
export default async function globalSetup(): Promise<void> {
  startEgressLog();
  const env = stackEnv();
  const missing = ['POSTGRES_ADMIN_URL', 'MONGO_URL'].filter((k) => !env[k]);
  if (missing.length) {
    throw new Error(
      `missing ${missing.join(', ')}: start the stores first with \`scripts/stack up\` (or run scripts/test)`,
    );
  }
  const adminUrl = env['POSTGRES_ADMIN_URL']!;
  const databases = (await adminQuery(adminUrl, 'SELECT datname FROM pg_database')).map((r) => String(r['datname']));
  for (const name of databases.filter((d) => isStaleTestDatabase(d))) await dropDatabase(adminUrl, name);

  for (const service of PRISMA_SERVICES) {
    const appUrl = env[`${service.name.toUpperCase()}_DATABASE_URL`];
    const ownerUrl = env[service.urlVar];
    if (!appUrl || !ownerUrl) continue;
    const template = templateName(service.name, service.migrationsDir);
    if (databases.includes(template)) continue;
    // Built under a temporary name and renamed once migrated: a parallel run never copies a
    // half-migrated template, and two runs building the same one do not collide.
    const building = `${service.name}_t_${uniqueSuffix()}`;
    await provisionDatabase(adminUrl, { database: building, owner: roleFromUrl(ownerUrl), app: roleFromUrl(appUrl) });
    await deploy({ ...service, databaseUrl: withDatabase(ownerUrl, building) });
    try {
      await adminQuery(
        adminUrl,
        `ALTER DATABASE ${pg.escapeIdentifier(building)} RENAME TO ${pg.escapeIdentifier(template)}`,
      );
    } catch (error) {
      if ((error as { code?: string }).code !== '42P04') throw error; // another run finished it first
      await dropDatabase(adminUrl, building);
    }
  }

  const mongo = await new MongoClient(env['MONGO_URL']!).connect();
  try {
    const { databases: mongoDatabases } = await mongo.db().admin().listDatabases({ nameOnly: true });
    for (const { name } of mongoDatabases) if (isStaleTestDatabase(name)) await mongo.db(name).dropDatabase();
  } finally {
    await mongo.close();
  }

  if (env['ELASTICSEARCH_URL']) await dropStaleSearchIndices(env['ELASTICSEARCH_URL']);
}

/** Test aliases are `<prefix>_t_<suffix>`, their indices `<alias>_v<N>`, their templates `<alias>`. */
async function dropStaleSearchIndices(url: string): Promise<void> {
  const indices = (await (await fetch(`${url}/_cat/indices?format=json&h=index&expand_wildcards=all`)).json()) as {
    index: string;
  }[];
  const stale = indices.map((i) => i.index).filter((name) => isStaleTestDatabase(name.replace(/_v\d+$/, '')));
  if (stale.length) await fetch(`${url}/${stale.join(',')}?ignore_unavailable=true`, { method: 'DELETE' });
  const { index_templates: templates } = (await (await fetch(`${url}/_index_template`)).json()) as {
    index_templates: { name: string }[];
  };
  for (const { name } of templates.filter((t) => isStaleTestDatabase(t.name))) {
    await fetch(`${url}/_index_template/${name}`, { method: 'DELETE' });
  }
}

async function adminQuery(url: string, sql: string): Promise<pg.QueryResultRow[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}
