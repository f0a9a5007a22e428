/**
 * npm run seed: load the deterministic sample store into every service that is still empty,
 * through each service's own seed writer (never one service into another's store).
 *   --products N --users N   sample size (default 1,200 products, 300 users)
 */
import { Progress, createMetrics } from '@polystore/platform';
import { createDb } from '@polystore/accounts/dist/db';
import { writeAccountsSample } from '@polystore/accounts/dist/seed';
import { connectMongo, databaseName } from '@polystore/catalog/dist/db';
import { createModels } from '@polystore/catalog/dist/models';
import { writeCatalogSample } from '@polystore/catalog/dist/seed';
import { DEFAULT_SAMPLE_SIZE, generateSample, SAMPLE_PASSWORD, type SampleSize } from './sample-data';

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set (scripts/stack up writes it to .data/stack.env)`);
  return value;
}

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

export async function seed(size: SampleSize): Promise<void> {
  const started = Date.now();
  const sample = generateSample(size);
  const metrics = createMetrics('seed');

  const mongoUrl = required('MONGO_URL');
  const connection = await connectMongo({
    url: mongoUrl,
    dbName: databaseName(mongoUrl, process.env['CATALOG_DB_NAME']),
    poolSize: 2,
    metrics,
  });
  try {
    const progress = new Progress('catalog: products', sample.products.length);
    const result = await writeCatalogSample(createModels(connection), sample, (n) => progress.tick(n));
    if (result === 'written') progress.finish();
    else console.error('catalog: already has products; left as it is');
  } finally {
    await connection.close();
  }

  const db = createDb({ url: required('ACCOUNTS_DATABASE_URL'), poolSize: 2, metrics });
  try {
    const progress = new Progress('accounts: users', sample.users.length);
    // Sample accounts get a cheaper scrypt cost than real ones, so seeding takes seconds.
    const result = await writeAccountsSample(db, sample.users, SAMPLE_PASSWORD, { scryptLogN: 14 }, (n) =>
      progress.tick(n),
    );
    if (result === 'written') progress.finish();
    else console.error('accounts: already has users; left as it is');
  } finally {
    await db.$disconnect();
  }
  console.error(`seed done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

if (require.main === module) {
  seed(sizeFromArgs(process.argv.slice(2))).catch((error: unknown) => {
    console.error(`seed failed: ${(error as Error).message}`);
    process.exit(1);
  });
}
