import { databaseName } from '@polystore/catalog/dist/db';
import { AppError, ErrorCode } from '@polystore/platform';
import { ElasticsearchPart } from './elasticsearch-part';
import type { StoreKind } from './manifest';
import { MongoPart } from './mongo-part';
import type { StorePart } from './part';
import { PostgresPart } from './postgres-part';
import { RedisKeySpacePart } from './redis-part';

/**
 * What a backup holds, per service and store: the backup plan m2m/README.md declares (a unit test
 * holds the two together). Each entry is restored on its own, so a restore can target one service.
 */
export interface PlannedPart {
  id: string;
  service: string;
  store: StoreKind;
  /** The variables that say where it lives (targets from the environment, as `npm run seed`'s). */
  needs: string[];
  /** What a restore needs besides. */
  restoreNeeds?: string[];
  make(env: NodeJS.ProcessEnv): StorePart;
}

/** Newest backups kept when POLYSTORE_BACKUPS_KEPT does not say (m2m/README.md, "Backups"). */
export const DEFAULT_BACKUPS_KEPT = 7;

const postgres = (service: string): PlannedPart => {
  const up = service.toUpperCase();
  return {
    id: `postgres/${service}`,
    service,
    store: 'postgres',
    needs: [`${up}_DATABASE_URL`, `${up}_MIGRATE_DATABASE_URL`],
    // a superuser drops and creates the database
    restoreNeeds: ['POSTGRES_ADMIN_URL'],
    make: (env) => {
      // The database is the one the service uses (its URL's path), reached as its owner role.
      const appUrl = env[`${up}_DATABASE_URL`]!;
      const ownerUrl = new URL(env[`${up}_MIGRATE_DATABASE_URL`]!);
      ownerUrl.pathname = new URL(appUrl).pathname;
      return new PostgresPart({ service, appUrl, ownerUrl: ownerUrl.toString(), adminUrl: env['POSTGRES_ADMIN_URL'] });
    },
  };
};

const keySpace = (service: string, name: string, prefixVar: string, prefix: string): PlannedPart => ({
  id: `redis/${name}`,
  service,
  store: 'redis',
  needs: ['REDIS_URL'],
  make: (env) => new RedisKeySpacePart({ service, name, url: env['REDIS_URL']!, prefix: env[prefixVar] || prefix }),
});

/**
 * Catalog's Redis cache (`cat:*`) is not in it: a copy of catalog documents, refilled on a miss.
 * Nor is FerretDB's PostgreSQL database `catalog`: the catalog is backed up through the Mongo
 * driver instead, so the same backup restores into FerretDB and MongoDB.
 */
export const BACKUP_PLAN: readonly PlannedPart[] = [
  postgres('accounts'),
  postgres('orders'),
  postgres('payments'),
  {
    id: 'mongo/catalog',
    service: 'catalog',
    store: 'mongo',
    needs: ['MONGO_URL'],
    make: (env) =>
      new MongoPart({
        service: 'catalog',
        url: env['MONGO_URL']!,
        dbName: databaseName(env['MONGO_URL']!, env['CATALOG_DB_NAME']),
      }),
  },
  keySpace('gateway', 'gateway', 'GATEWAY_REDIS_PREFIX', 'gw:'),
  keySpace('accounts', 'accounts', 'ACCOUNTS_REDIS_PREFIX', 'acc:'),
  keySpace('cart', 'cart', 'CART_KEY_PREFIX', 'cart:'),
  keySpace('events', 'events', 'EVENTS_KEY_PREFIX', 'events:'),
  {
    id: 'elasticsearch/search',
    service: 'search',
    store: 'elasticsearch',
    needs: ['ELASTICSEARCH_URL'],
    make: (env) =>
      new ElasticsearchPart({
        service: 'search',
        url: env['ELASTICSEARCH_URL']!,
        alias: env['SEARCH_INDEX_ALIAS'] || 'products',
      }),
  },
];

export const SERVICES = [...new Set(BACKUP_PLAN.map((p) => p.service))];

/** The services `--only` and `--skip` leave in, each checked against the plan. */
export function selectServices(only: string[] | undefined, skip: string[] = []): string[] {
  for (const service of [...(only ?? []), ...skip]) {
    if (!SERVICES.includes(service)) {
      throw new AppError(
        ErrorCode.BAD_USER_INPUT,
        `no service ${service} in the backup plan; there are ${SERVICES.join(', ')}`,
      );
    }
  }
  return (only ?? SERVICES).filter((s) => !skip.includes(s));
}

/** The services a backup holds parts of. */
export function servicesIn(partIds: readonly string[]): string[] {
  return SERVICES.filter((s) => BACKUP_PLAN.some((p) => p.service === s && partIds.includes(p.id)));
}

/**
 * The parts of these services, where the environment says they live (for a backup, or for a
 * restore, which needs more); BAD_USER_INPUT naming every setting that is not set.
 */
export function partsFromEnv(
  services: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
  purpose: 'backup' | 'restore' = 'backup',
): StorePart[] {
  const planned = BACKUP_PLAN.filter((p) => services.includes(p.service));
  const needs = (p: PlannedPart) => [...p.needs, ...(purpose === 'restore' ? (p.restoreNeeds ?? []) : [])];
  const missing = planned.flatMap((p) =>
    needs(p)
      .filter((n) => !env[n])
      .map((n) => `${n} (${p.id})`),
  );
  if (missing.length) {
    throw new AppError(
      ErrorCode.BAD_USER_INPUT,
      `not set: ${missing.join(', ')}. scripts/backup reads them from .data/stack.env; or leave those services out with --skip`,
    );
  }
  return planned.map((p) => p.make(env));
}
