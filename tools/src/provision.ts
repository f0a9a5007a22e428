/**
 * Roles, databases and grants on PostgreSQL (npm run provision; scripts/stack up runs it).
 *
 * Least privilege, per PostgreSQL service:
 *   <svc>_owner  owns database <svc> and its schema; migrations run as it.
 *   <svc>        the service itself: connects to <svc> only, reads and writes rows, no DDL.
 * Nobody else may connect to <svc> (CONNECT revoked from PUBLIC). The catalog's FerretDB data
 * lives in database `catalog`, owned by role `catalog`, the same way.
 * Idempotent: run it any number of times; passwords are brought in line with the environment.
 */
import { Client, escapeIdentifier as ident, escapeLiteral as literal } from 'pg';

export interface Role {
  name: string;
  password: string;
}

export interface ServiceDatabase {
  database: string;
  owner: Role;
  /** The runtime role; absent where the owner itself is the runtime role (FerretDB's catalog). */
  app?: Role;
}

async function withClient<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** The advisory lock key that serialises role changes (any constant unique to this purpose). */
const ROLES_LOCK = 0x706f6c79; // 'poly'

async function ensureRole(admin: Client, role: Role): Promise<void> {
  const exists = await admin.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role.name]);
  const verb = exists.rowCount ? 'ALTER' : 'CREATE';
  await admin.query(
    `${verb} ROLE ${ident(role.name)} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION PASSWORD ${literal(role.password)}`,
  );
}

export async function provisionDatabase(adminUrl: string, spec: ServiceDatabase, template?: string): Promise<void> {
  await withClient(adminUrl, async (admin) => {
    // Roles are cluster-wide rows: two provisions at once (parallel test files, other checkouts on
    // the same server) altering the same role fail with "tuple concurrently updated". One at a time.
    await admin.query('SELECT pg_advisory_lock($1)', [ROLES_LOCK]);
    try {
      await ensureRole(admin, spec.owner);
      if (spec.app) await ensureRole(admin, spec.app);
    } finally {
      await admin.query('SELECT pg_advisory_unlock($1)', [ROLES_LOCK]);
    }
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [spec.database]);
    if (!exists.rowCount) {
      await admin.query(
        `CREATE DATABASE ${ident(spec.database)} OWNER ${ident(spec.owner.name)}${template ? ` TEMPLATE ${ident(template)}` : ''}`,
      );
    }
    await admin.query(`REVOKE ALL ON DATABASE ${ident(spec.database)} FROM PUBLIC`);
    await admin.query(`GRANT ALL ON DATABASE ${ident(spec.database)} TO ${ident(spec.owner.name)}`);
    if (spec.app)
      await admin.query(`GRANT CONNECT, TEMPORARY ON DATABASE ${ident(spec.database)} TO ${ident(spec.app.name)}`);
  });
  if (!spec.app) return;
  const app = ident(spec.app.name);
  const owner = ident(spec.owner.name);
  const inDb = new URL(adminUrl);
  inDb.pathname = `/${spec.database}`;
  await withClient(inDb.toString(), async (admin) => {
    await admin.query(`ALTER SCHEMA public OWNER TO ${owner}`);
    await admin.query('REVOKE ALL ON SCHEMA public FROM PUBLIC');
    await admin.query(`GRANT USAGE ON SCHEMA public TO ${app}`);
    await admin.query(
      `ALTER DEFAULT PRIVILEGES FOR ROLE ${owner} IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO ${app}`,
    );
    await admin.query(
      `ALTER DEFAULT PRIVILEGES FOR ROLE ${owner} IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO ${app}`,
    );
    await admin.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${app}`);
    await admin.query(`GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO ${app}`);
  });
}

/** Credentials of a role from a connection string. */
export function roleFromUrl(url: string): Role {
  const parsed = new URL(url);
  return { name: decodeURIComponent(parsed.username), password: decodeURIComponent(parsed.password) };
}

export function databaseFromUrl(url: string): string {
  return decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
}

/** What the environment (scripts/stack's .data/stack.env, or compose) asks to provision. */
export function specsFromEnv(env: NodeJS.ProcessEnv = process.env): ServiceDatabase[] {
  const specs: ServiceDatabase[] = [];
  for (const svc of ['ACCOUNTS', 'ORDERS', 'PAYMENTS']) {
    const appUrl = env[`${svc}_DATABASE_URL`];
    const ownerUrl = env[`${svc}_MIGRATE_DATABASE_URL`];
    if (!appUrl || !ownerUrl) continue;
    specs.push({ database: databaseFromUrl(appUrl), owner: roleFromUrl(ownerUrl), app: roleFromUrl(appUrl) });
  }
  if (env['CATALOG_PG_PASSWORD']) {
    specs.push({ database: 'catalog', owner: { name: 'catalog', password: env['CATALOG_PG_PASSWORD'] } });
  }
  return specs;
}

async function main(): Promise<void> {
  const adminUrl = process.env['POSTGRES_ADMIN_URL'];
  if (!adminUrl) {
    console.error(
      'POSTGRES_ADMIN_URL is not set: nothing to provision (an external PostgreSQL is provisioned by its owner)',
    );
    return;
  }
  for (const spec of specsFromEnv()) {
    await provisionDatabase(adminUrl, spec);
    console.error(
      `provisioned database ${spec.database} (owner ${spec.owner.name}${spec.app ? `, app ${spec.app.name}` : ''})`,
    );
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(`provisioning failed: ${(error as Error).message}`);
    process.exit(1);
  });
}
