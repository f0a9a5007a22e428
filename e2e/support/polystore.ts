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
import { createTestKeySpace, type TestKeySpace } from '../../test-support/redis';

export interface RunningPolystore {
  url: string;
  subgraphUrls: { accounts: string; catalog: string };
  accounts: Accounts;
  catalog: Catalog;
  gateway: Gateway;
  /** The Redis key prefixes (under gw:* and acc:*) this instance writes, deleted by stop(). */
  keySpaces: { gateway: TestKeySpace; accounts: TestKeySpace };
  stop(): Promise<void>;
}

export interface PolystoreOptions {
  /** Extra gateway settings (limits, rate limits, NODE_ENV, ...). */
  gateway?: Record<string, string>;
  /** Extra accounts settings. */
  accounts?: Record<string, string>;
}

/**
 * The gateway and every subgraph, each on its own port on loopback and its own fresh database on
 * the real stores, wired as in production except for the ports.
 */
export async function startPolystore(options: PolystoreOptions = {}): Promise<RunningPolystore> {
  const common = {
    LOG_LEVEL: 'silent',
    NODE_ENV: 'test',
    ACCOUNTS_SIGNING_SECRET: `accounts-${TEST_SIGNING_SECRET}`,
    CATALOG_SIGNING_SECRET: `catalog-${TEST_SIGNING_SECRET}`,
  };
  const accountsDb: TestDatabase = await createTestDatabase('accounts');
  const catalogDb: TestMongo = await createTestMongo();
  const keySpaces = {
    gateway: createTestKeySpace('gw', 'GATEWAY_REDIS_URL'),
    accounts: createTestKeySpace('acc', 'ACCOUNTS_REDIS_URL'),
  };
  let gatewayUrl = '';
  const accounts = await createAccounts(
    loadAccountsConfig({
      ...common,
      ACCOUNTS_DATABASE_URL: accountsDb.appUrl,
      ACCOUNTS_REDIS_URL: keySpaces.accounts.url,
      ACCOUNTS_REDIS_PREFIX: keySpaces.accounts.prefix,
      PASSWORD_SCRYPT_LOG_N: '14',
      ...options.accounts,
    }),
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
      GATEWAY_REDIS_URL: keySpaces.gateway.url,
      GATEWAY_REDIS_PREFIX: keySpaces.gateway.prefix,
      // plain http on loopback
      COOKIE_SECURE: 'false',
      ...options.gateway,
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
    keySpaces,
    async stop() {
      await gateway.stop().catch(() => {}); // a test may have stopped it already
      await Promise.all([accounts.stop(), catalog.stop()]);
      await Promise.all([accountsDb.drop(), catalogDb.drop(), keySpaces.gateway.drop(), keySpaces.accounts.drop()]);
    },
  };
}
