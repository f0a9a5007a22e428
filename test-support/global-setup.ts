import { MongoClient } from 'mongodb';
import pg from 'pg';
import { PRISMA_SERVICES } from '../tools/src/migrate';
import { deploy } from '../tools/src/prisma-migrate';
import { provisionDatabase, roleFromUrl } from '../tools/src/provision';
import { dropDatabase, templateName, withDatabase } from './postgres';
import { stackEnv } from './stack-env';

/**
 * Before the integration and end-to-end suites: check the stores answer, drop what an earlier
 * interrupted run left behind, and build one migrated template database per PostgreSQL service,
 * from which each test file copies its own database in milliseconds.
 */
export default async function globalSetup(): Promise<void> {
  const env = stackEnv();
  const missing = ['POSTGRES_ADMIN_URL', 'MONGO_URL'].filter((k) => !env[k]);
  if (missing.length) {
    throw new Error(
      `missing ${missing.join(', ')}: start the stores first with \`scripts/stack up\` (or run scripts/test)`,
    );
  }
  const adminUrl = env['POSTGRES_ADMIN_URL']!;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  const leftovers = await admin
    .query<{ datname: string }>(
      `SELECT datname FROM pg_database WHERE datname ~ '^[a-z]+_(t_[a-z0-9]+|test_template)$'`,
    )
    .finally(() => admin.end());
  for (const { datname } of leftovers.rows) await dropDatabase(adminUrl, datname);

  for (const service of PRISMA_SERVICES) {
    const appUrl = env[`${service.name.toUpperCase()}_DATABASE_URL`];
    const ownerUrl = env[service.urlVar];
    if (!appUrl || !ownerUrl) continue;
    const template = templateName(service.name);
    await provisionDatabase(adminUrl, { database: template, owner: roleFromUrl(ownerUrl), app: roleFromUrl(appUrl) });
    await deploy({ ...service, databaseUrl: withDatabase(ownerUrl, template) });
  }

  const mongo = await new MongoClient(env['MONGO_URL']!).connect();
  try {
    const { databases } = await mongo.db().admin().listDatabases({ nameOnly: true });
    for (const { name } of databases) if (/_t_[a-z0-9]+$/.test(name)) await mongo.db(name).dropDatabase();
  } finally {
    await mongo.close();
  }
}
