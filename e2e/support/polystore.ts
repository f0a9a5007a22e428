import { createAccounts, type Accounts } from '../../subgraphs/accounts/src/app';
import { loadAccountsConfig } from '../../subgraphs/accounts/src/config';
import { GraphProductDirectory } from '../../subgraphs/accounts/src/wishlist/product-directory';
import { createCart, type Cart } from '../../subgraphs/cart/src/app';
import { loadCartConfig } from '../../subgraphs/cart/src/config';
import { GraphProductDirectory as CartProductDirectory } from '../../subgraphs/cart/src/cart/product-directory';
import { createCatalog, type Catalog } from '../../subgraphs/catalog/src/app';
import { loadCatalogConfig } from '../../subgraphs/catalog/src/config';
import { createSearch, type Search } from '../../subgraphs/search/src/app';
import { loadSearchConfig } from '../../subgraphs/search/src/config';
import { loadGatewayConfig } from '../../gateway/src/config';
import { createGateway, type Gateway } from '../../gateway/src/gateway';
import { createTestIndex, type TestIndex } from '../../test-support/elasticsearch';
import { TEST_SIGNING_SECRET } from '../../test-support/graphql';
import { createTestMongo, type TestMongo } from '../../test-support/mongo';
import { createTestDatabase, type TestDatabase } from '../../test-support/postgres';
import { createTestKeySpace, type TestKeySpace } from '../../test-support/redis';
import { stackEnv } from '../../test-support/stack-env';

export interface RunningPolystore {
  url: string;
  subgraphUrls: { accounts: string; catalog: string; cart: string; search: string };
  accounts: Accounts;
  catalog: Catalog;
  cart: Cart;
  /** The cart's keys live under `cartKeys.prefix` (`cart:t_<suffix>:`), read as the `cart` ACL user. */
  cartKeys: TestKeySpace;
  search: Search;
  /** The search alias of this run (`products_t_<suffix>`), its indices deleted by stop(). */
  searchIndex: TestIndex;
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
    CART_SIGNING_SECRET: `cart-${TEST_SIGNING_SECRET}`,
    SEARCH_SIGNING_SECRET: `search-${TEST_SIGNING_SECRET}`,
  };
  const accountsDb: TestDatabase = await createTestDatabase('accounts');
  const catalogDb: TestMongo = await createTestMongo();
  const cartKeys: TestKeySpace = await createTestKeySpace('cart', 'CART_REDIS_URL');
  const searchIndex: TestIndex = await createTestIndex();
  const keySpaces = {
    gateway: await createTestKeySpace('gw', 'GATEWAY_REDIS_URL'),
    accounts: await createTestKeySpace('acc', 'ACCOUNTS_REDIS_URL'),
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
    loadCatalogConfig({
      ...common,
      MONGO_URL: catalogDb.url,
      CATALOG_DB_NAME: catalogDb.dbName,
      CATALOG_REDIS_URL: stackEnv()['CATALOG_REDIS_URL'],
    }),
  );
  const cart = await createCart(
    loadCartConfig({ ...common, CART_REDIS_URL: cartKeys.url, CART_KEY_PREFIX: cartKeys.prefix }),
    { products: new CartProductDirectory(() => gatewayUrl) },
  );
  const search = await createSearch(
    loadSearchConfig({ ...common, ELASTICSEARCH_URL: searchIndex.url, SEARCH_INDEX_ALIAS: searchIndex.alias }),
  );
  const accountsPort = (await accounts.server.listen(0, '127.0.0.1')).port;
  const catalogPort = (await catalog.server.listen(0, '127.0.0.1')).port;
  const cartUrl = `http://127.0.0.1:${(await cart.server.listen(0, '127.0.0.1')).port}/graphql`;
  const searchUrl = `http://127.0.0.1:${(await search.server.listen(0, '127.0.0.1')).port}/graphql`;
  const gateway = await createGateway(
    loadGatewayConfig({
      ...common,
      ACCOUNTS_URL: `http://127.0.0.1:${accountsPort}/graphql`,
      CATALOG_URL: `http://127.0.0.1:${catalogPort}/graphql`,
      CART_URL: cartUrl,
      SEARCH_URL: searchUrl,
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
      cart: cartUrl,
      search: searchUrl,
    },
    accounts,
    catalog,
    cart,
    cartKeys,
    search,
    searchIndex,
    gateway,
    keySpaces,
    async stop() {
      await gateway.stop().catch(() => {}); // a test may have stopped it already
      await Promise.all([accounts.stop(), catalog.stop(), cart.stop(), search.stop()]);
      await Promise.all([
        accountsDb.drop(),
        catalogDb.drop(),
        cartKeys.drop(),
        searchIndex.drop(),
        keySpaces.gateway.drop(),
        keySpaces.accounts.drop(),
      ]);
    },
  };
}
