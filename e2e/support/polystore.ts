import { createAccounts, type Accounts } from '../../subgraphs/accounts/src/app';
import { loadAccountsConfig } from '../../subgraphs/accounts/src/config';
import { GraphProductDirectory } from '../../subgraphs/accounts/src/wishlist/product-directory';
import { createCatalog, type Catalog } from '../../subgraphs/catalog/src/app';
import { loadCatalogConfig } from '../../subgraphs/catalog/src/config';
import { loadGatewayConfig } from '../../gateway/src/config';
import { createGateway, type Gateway } from '../../gateway/src/gateway';
import { TEST_SIGNING_SECRET } from '../../test-support/graphql';
import { createTestMongo, type TestMongo } from '../../test-support/mongo';
import { createTestDatabase, type TestDatabase } from '../../test-support/postgres';

export interface RunningPolystore {
  url: string;
  subgraphUrls: { accounts: string; catalog: string };
  accounts: Accounts;
  catalog: Catalog;
  gateway: Gateway;
  stop(): Promise<void>;
}

/**
 * The gateway and every subgraph, each on its own port on loopback and its own fresh database on
 * the real stores, wired as in production except for the ports.
 */
export async function startPolystore(options: { gatewayEnv?: Record<string, string> } = {}): Promise<RunningPolystore> {
  const common = {
    LOG_LEVEL: 'silent',
    NODE_ENV: 'test',
    ACCOUNTS_SIGNING_SECRET: `accounts-${TEST_SIGNING_SECRET}`,
    CATALOG_SIGNING_SECRET: `catalog-${TEST_SIGNING_SECRET}`,
  };
  const accountsDb: TestDatabase = await createTestDatabase('accounts');
  const catalogDb: TestMongo = await createTestMongo();
  let gatewayUrl = '';
  const accounts = await createAccounts(
    loadAccountsConfig({ ...common, ACCOUNTS_DATABASE_URL: accountsDb.appUrl, PASSWORD_SCRYPT_LOG_N: '14' }),
    { products: new GraphProductDirectory(() => gatewayUrl) },
  );
  const catalog = await createCatalog(
    loadCatalogConfig({ ...common, MONGO_URL: catalogDb.url, CATALOG_DB_NAME: catalogDb.dbName }),
  );
  const accountsPort = (await accounts.server.listen(0, '127.0.0.1')).port;
  const catalogPort = (await catalog.server.listen(0, '127.0.0.1')).port;
  const gateway = await createGateway(
    loadGatewayConfig({
      ...common,
      ACCOUNTS_URL: `http://127.0.0.1:${accountsPort}/graphql`,
      CATALOG_URL: `http://127.0.0.1:${catalogPort}/graphql`,
      ...options.gatewayEnv,
    }),
  );
  gatewayUrl = `http://127.0.0.1:${(await gateway.listen(0, '127.0.0.1')).port}/graphql`;
  return {
    url: gatewayUrl,
    subgraphUrls: {
      accounts: `http://127.0.0.1:${accountsPort}/graphql`,
      catalog: `http://127.0.0.1:${catalogPort}/graphql`,
    },
    accounts,
    catalog,
    gateway,
    async stop() {
      await gateway.stop();
      await Promise.all([accounts.stop(), catalog.stop()]);
      await Promise.all([accountsDb.drop(), catalogDb.drop()]);
    },
  };
}
