import { readFileSync } from 'node:fs';
import path from 'node:path';
import { BACKUP_PLAN, DEFAULT_BACKUPS_KEPT, partsFromEnv, selectServices, SERVICES } from './plan';

// m2m/README.md declares the backup plan; the code follows it.
const section = (() => {
  const text = readFileSync(path.resolve(__dirname, '..', '..', '..', 'm2m', 'README.md'), 'utf8');
  const start = text.indexOf('## Backups, everywhere');
  return text.slice(start, text.indexOf('\n## ', start + 1));
})();

it('backs up exactly the parts m2m/README.md declares', () => {
  const declared = [...section.matchAll(/`((?:postgres|mongo|redis|elasticsearch)\/[a-z]+)`/g)].map((m) => m[1]);
  expect([...new Set(declared)].sort()).toEqual(BACKUP_PLAN.map((p) => p.id).sort());
});

it('keeps as many backups as m2m/README.md declares', () => {
  expect(
    Number(/the newest \*\*(\d+)\*\*\s+backups\s+are\s+kept\s+\(`POLYSTORE_BACKUPS_KEPT`\)/.exec(section)?.[1]),
  ).toBe(DEFAULT_BACKUPS_KEPT);
});

it('selects services by name, refusing one the plan does not have', () => {
  expect(selectServices(undefined, ['search'])).toEqual(SERVICES.filter((s) => s !== 'search'));
  expect(selectServices(['cart', 'orders'])).toEqual(['cart', 'orders']);
  expect(() => selectServices(['carts'])).toThrow(/no service carts in the backup plan; there are accounts, orders/);
});

it('names every setting a selected part needs and the environment lacks', () => {
  expect(() => partsFromEnv(['orders', 'search'], { ORDERS_DATABASE_URL: 'postgresql://o@127.0.0.1/orders' })).toThrow(
    'not set: ORDERS_MIGRATE_DATABASE_URL (postgres/orders), ELASTICSEARCH_URL (elasticsearch/search)',
  );
});

it("reaches a service's database as its owner role, at the database the service uses", () => {
  const [part] = partsFromEnv(['orders'], {
    ORDERS_DATABASE_URL: 'postgresql://orders:a@127.0.0.1:5432/orders_t_x',
    ORDERS_MIGRATE_DATABASE_URL: 'postgresql://orders_owner:b@127.0.0.1:5432/orders',
  });
  expect(part!.where).toBe('PostgreSQL database orders_t_x');
});

it('asks for the PostgreSQL superuser only to restore, which creates the databases', () => {
  const env = {
    ORDERS_DATABASE_URL: 'postgresql://orders:a@127.0.0.1:5432/orders',
    ORDERS_MIGRATE_DATABASE_URL: 'postgresql://orders_owner:b@127.0.0.1:5432/orders',
  };
  expect(partsFromEnv(['orders'], env, 'backup')).toHaveLength(1);
  expect(() => partsFromEnv(['orders'], env, 'restore')).toThrow('not set: POSTGRES_ADMIN_URL (postgres/orders)');
});
