/**
 * npm run seed: load the deterministic sample store (catalog, users and wishlists, orders,
 * payments, carts) into every service that is still empty, through each service's own seed writer
 * (never one service into another's store).
 *   --products N --users N   sample size (default 1,200 products, 300 users)
 */
import { Progress, Role, createMetrics, createRedis } from '@polystore/platform';
import { createDb as createAccountsDb } from '@polystore/accounts/dist/db';
import { createRoleService } from '@polystore/accounts/dist/role/role.service';
import { writeAccountsSample } from '@polystore/accounts/dist/seed';
import { writeCartsSample } from '@polystore/cart/dist/seed';
import { createDb as createOrdersDb } from '@polystore/orders/dist/db';
import { writeOrdersSample } from '@polystore/orders/dist/seed';
import { createDb as createPaymentsDb } from '@polystore/payments/dist/db';
import { writePaymentsSample } from '@polystore/payments/dist/seed';
import { connectMongo, databaseName } from '@polystore/catalog/dist/db';
import { createModels } from '@polystore/catalog/dist/models';
import { writeCatalogSample } from '@polystore/catalog/dist/seed';
import { DEFAULT_SAMPLE_SIZE, generateSample, SAMPLE_PASSWORD, type Sample, type SampleSize } from './sample-data';

function sizeFromArgs(argv: string[]): SampleSize {
  const size = { ...DEFAULT_SAMPLE_SIZE };
  for (const key of ['products', 'users'] as const) {
    const i = argv.indexOf(`--${key}`);
    if (i >= 0) {
      const n = Number(argv[i + 1]);
      if (!Number.isInteger(n) || n < 0 || n > 1_000_000)
        throw new Error(`--${key} takes a whole number up to 1,000,000`);
      size[key] = n;
    }
  }
  return size;
}

/** Where each service's sample data goes (each service's own store, reached as that service). */
export interface SeedTargets {
  mongoUrl: string;
  catalogDbName?: string;
  accountsUrl: string;
  ordersUrl?: string;
  paymentsUrl?: string;
  cartRedisUrl?: string;
  /** The cart's key prefix (`cart:` in the product, a test's own one in tests). */
  cartKeyPrefix?: string;
  currency?: string;
}

export function targetsFromEnv(env: NodeJS.ProcessEnv = process.env): SeedTargets {
  const required = (name: string) => {
    const value = env[name];
    if (!value) throw new Error(`${name} is not set (scripts/stack up writes it to .data/stack.env)`);
    return value;
  };
  return {
    mongoUrl: required('MONGO_URL'),
    catalogDbName: env['CATALOG_DB_NAME'],
    accountsUrl: required('ACCOUNTS_DATABASE_URL'),
    ordersUrl: env['ORDERS_DATABASE_URL'],
    paymentsUrl: env['PAYMENTS_DATABASE_URL'],
    cartRedisUrl: env['CART_REDIS_URL'],
    currency: env['STORE_CURRENCY'],
  };
}

/**
 * Load the sample into every service that is still empty, each through its own seed writer and
 * into its own store: catalog, accounts, orders, payments, carts. Progress on stderr.
 */
export async function seed(size: SampleSize, targets: SeedTargets): Promise<Sample> {
  const started = Date.now();
  const sample = generateSample(size);
  const metrics = createMetrics('seed');
  const currency = targets.currency ?? 'EUR';
  const report = (label: string, result: 'written' | 'not-empty', progress: Progress) => {
    if (result === 'written') progress.finish();
    else console.error(`${label}: not empty; left as it is`);
  };

  const connection = await connectMongo({
    url: targets.mongoUrl,
    dbName: databaseName(targets.mongoUrl, targets.catalogDbName),
    poolSize: 2,
    metrics,
  });
  try {
    const progress = new Progress('catalog: products', sample.products.length);
    report('catalog', await writeCatalogSample(createModels(connection), sample, (n) => progress.tick(n)), progress);
  } finally {
    await connection.close();
  }

  const accounts = createAccountsDb({ url: targets.accountsUrl, poolSize: 2, metrics });
  try {
    const users = [...sample.users, sample.staff];
    const progress = new Progress('accounts: users', users.length);
    // Sample accounts get a cheaper scrypt cost than real ones, so seeding takes seconds.
    const result = await writeAccountsSample(accounts, users, SAMPLE_PASSWORD, { scryptLogN: 14 }, (n) =>
      progress.tick(n),
    );
    report('accounts', result, progress);
    if (result === 'written') {
      // the staff role through the same path as `npm run staff -- grant`, audited
      await createRoleService(accounts).grant({
        email: sample.staff.email,
        role: Role.STAFF,
        actor: 'seed',
        reason: 'sample staff user',
      });
    }
  } finally {
    await accounts.$disconnect();
  }

  if (targets.ordersUrl) {
    const orders = createOrdersDb({ url: targets.ordersUrl, poolSize: 2, metrics });
    try {
      const progress = new Progress('orders: orders', sample.orders.length);
      report('orders', await writeOrdersSample(orders, sample.orders, currency, (n) => progress.tick(n)), progress);
    } finally {
      await orders.$disconnect();
    }
  }

  if (targets.paymentsUrl) {
    const payments = createPaymentsDb({ url: targets.paymentsUrl, poolSize: 2, metrics });
    try {
      const progress = new Progress('payments: payments', sample.payments.length);
      const result = await writePaymentsSample(payments, sample.payments, currency, (n) => progress.tick(n));
      report('payments', result, progress);
    } finally {
      await payments.$disconnect();
    }
  }

  if (targets.cartRedisUrl) {
    // a bulk load, not a request: a long deadline per command
    const redis = createRedis(targets.cartRedisUrl, metrics, { commandTimeout: 30_000 });
    await redis.connect();
    try {
      const progress = new Progress('cart: carts', sample.carts.length);
      await writeCartsSample(
        redis,
        sample.carts,
        {
          keyPrefix: targets.cartKeyPrefix ?? 'cart:',
          userTtlSeconds: 30 * 86_400,
          anonymousTtlSeconds: 7 * 86_400,
          maxItems: 100,
        },
        (n) => progress.tick(n),
      );
      progress.finish();
    } finally {
      redis.disconnect();
    }
  }
  console.error(`seed done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return sample;
}

if (require.main === module) {
  seed(sizeFromArgs(process.argv.slice(2)), targetsFromEnv()).catch((error: unknown) => {
    console.error(`seed failed: ${(error as Error).message}`);
    process.exit(1);
  });
}
