import { generateCheckoutKeys, histogramTotals, type ServiceMetrics } from '@polystore/platform';
import { createAccounts, type Accounts } from '../../subgraphs/accounts/src/app';
import { loadAccountsConfig } from '../../subgraphs/accounts/src/config';
import { GraphProductDirectory } from '../../subgraphs/accounts/src/wishlist/product-directory';
import { createCart, type Cart } from '../../subgraphs/cart/src/app';
import { loadCartConfig } from '../../subgraphs/cart/src/config';
import { GraphProductDirectory as CartProductDirectory } from '../../subgraphs/cart/src/cart/product-directory';
import { createCatalog, type Catalog } from '../../subgraphs/catalog/src/app';
import { loadCatalogConfig } from '../../subgraphs/catalog/src/config';
import { createOrders, type Orders } from '../../subgraphs/orders/src/app';
import { loadOrdersConfig } from '../../subgraphs/orders/src/config';
import { GraphProductCatalog } from '../../subgraphs/orders/src/order/product-catalog';
import { createPayments, type Payments } from '../../subgraphs/payments/src/app';
import { loadPaymentsConfig } from '../../subgraphs/payments/src/config';
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

export const SUBGRAPHS = ['accounts', 'catalog', 'cart', 'orders', 'payments', 'search'] as const;
export type SubgraphName = (typeof SUBGRAPHS)[number];

export interface RunningPolystore {
  url: string;
  subgraphUrls: Record<SubgraphName, string>;
  /** Each service's Prometheus /metrics, on its own port (never the client port). */
  metricsUrls: Record<SubgraphName | 'gateway', string>;
  accounts: Accounts;
  catalog: Catalog;
  cart: Cart;
  orders: Orders;
  payments: Payments;
  search: Search;
  /** The cart's keys live under `cartKeys.prefix` (`cart:t_<suffix>:`), read as the `cart` ACL user. */
  cartKeys: TestKeySpace;
  /** The search alias of this run (`products_t_<suffix>`), its indices deleted by stop(). */
  searchIndex: TestIndex;
  gateway: Gateway;
  /** The Redis key prefixes (under gw:* and acc:*) this instance writes, deleted by stop(). */
  keySpaces: { gateway: TestKeySpace; accounts: TestKeySpace };
  /** The settings its gateway runs with: a test can start a second gateway from them, changed. */
  gatewayEnv: Record<string, string>;
  /** Where each service's data lives, as that service reaches it (to seed them, as `npm run seed` does). */
  stores: {
    accountsUrl: string;
    ordersUrl: string;
    paymentsUrl: string;
    mongoUrl: string;
    catalogDbName: string;
    cartRedisUrl: string;
    cartKeyPrefix: string;
  };
  stop(): Promise<void>;
}

export interface PolystoreOptions {
  /** Extra gateway settings (limits, rate limits, NODE_ENV, ...). */
  gateway?: Record<string, string>;
  /** Extra accounts settings. */
  accounts?: Record<string, string>;
  /** Extra catalog settings (undefined removes one, e.g. CATALOG_REDIS_URL). */
  catalog?: Record<string, string | undefined>;
  /**
   * How the services reach Redis: each one's Redis URL (gateway, accounts, catalog, cart) goes
   * through this, e.g. to a proxy the test can cut (support/tcp-proxy.ts). The test's own clients
   * (key spaces) still reach Redis directly.
   */
  redis?: (url: string) => string;
  /**
   * Stores to start on, made by createPolystoreStores (e.g. restored from a backup); stop() then
   * leaves them to their maker. By default the instance makes fresh ones and stop() drops them.
   */
  stores?: PolystoreStores;
}

/** The databases, key prefixes and search alias one instance runs on. */
export interface PolystoreStores {
  accountsDb: TestDatabase;
  ordersDb: TestDatabase;
  paymentsDb: TestDatabase;
  catalogDb: TestMongo;
  cartKeys: TestKeySpace;
  searchIndex: TestIndex;
  keySpaces: { gateway: TestKeySpace; accounts: TestKeySpace };
  /** Drop every database, key and index above. */
  drop(): Promise<void>;
}

/**
 * Fresh databases, key prefixes and a search alias on the real stores (the stack's Elasticsearch,
 * or the node at `elasticsearchUrl`), as every instance gets them.
 */
export async function createPolystoreStores(options: { elasticsearchUrl?: string } = {}): Promise<PolystoreStores> {
  const [accountsDb, ordersDb, paymentsDb] = (await Promise.all([
    createTestDatabase('accounts'),
    createTestDatabase('orders'),
    createTestDatabase('payments'),
  ])) as [TestDatabase, TestDatabase, TestDatabase];
  const catalogDb: TestMongo = await createTestMongo();
  const cartKeys = await createTestKeySpace('cart', 'CART_REDIS_URL');
  const searchIndex: TestIndex = await createTestIndex('products', options.elasticsearchUrl);
  const keySpaces = {
    gateway: await createTestKeySpace('gw', 'GATEWAY_REDIS_URL'),
    accounts: await createTestKeySpace('acc', 'ACCOUNTS_REDIS_URL'),
  };
  return {
    accountsDb,
    ordersDb,
    paymentsDb,
    catalogDb,
    cartKeys,
    searchIndex,
    keySpaces,
    async drop() {
      await Promise.all([
        accountsDb.drop(),
        ordersDb.drop(),
        paymentsDb.drop(),
        catalogDb.drop(),
        cartKeys.drop(),
        searchIndex.drop(),
        keySpaces.gateway.drop(),
        keySpaces.accounts.drop(),
      ]);
    },
  };
}

/**
 * The gateway and every subgraph, each on its own port on loopback and its own fresh databases,
 * key prefixes and indices on the real stores, wired as in production except for the ports.
 * Callers are who their session says: tests sign in through the gateway (support/browser.ts).
 */
/** How many GraphQL operations a service has answered (its operation-duration histogram's count). */
export async function operationsServed(metrics: ServiceMetrics): Promise<number> {
  return (await histogramTotals(metrics.registry, 'graphql_operation_duration_seconds')).count;
}

export async function startPolystore(options: PolystoreOptions = {}): Promise<RunningPolystore> {
  const secretOf = (service: SubgraphName) => `${service}-${TEST_SIGNING_SECRET}`;
  const common = {
    LOG_LEVEL: 'silent',
    NODE_ENV: 'test',
    ...Object.fromEntries(SUBGRAPHS.map((s) => [`${s.toUpperCase()}_SIGNING_SECRET`, secretOf(s)])),
  };
  const redisUrl = options.redis ?? ((url: string) => url);
  const checkoutKeys = generateCheckoutKeys();
  const stores = options.stores ?? (await createPolystoreStores());
  const { accountsDb, ordersDb, paymentsDb, catalogDb, cartKeys, searchIndex, keySpaces } = stores;
  let gatewayUrl = '';
  const servers = {
    accounts: await createAccounts(
      loadAccountsConfig({
        ...common,
        ACCOUNTS_DATABASE_URL: accountsDb.appUrl,
        ACCOUNTS_REDIS_URL: redisUrl(keySpaces.accounts.url),
        ACCOUNTS_REDIS_PREFIX: keySpaces.accounts.prefix,
        PASSWORD_SCRYPT_LOG_N: '14',
        ...options.accounts,
      }),
      {
        products: new GraphProductDirectory(() => gatewayUrl, {
          service: 'accounts',
          secret: secretOf('accounts'),
        }),
      },
    ),
    catalog: await createCatalog(
      loadCatalogConfig({
        ...common,
        MONGO_URL: catalogDb.url,
        CATALOG_DB_NAME: catalogDb.dbName,
        CATALOG_REDIS_URL: stackEnv()['CATALOG_REDIS_URL'] && redisUrl(stackEnv()['CATALOG_REDIS_URL']!),
        ...options.catalog,
      }),
    ),
    cart: await createCart(
      loadCartConfig({ ...common, CART_REDIS_URL: redisUrl(cartKeys.url), CART_KEY_PREFIX: cartKeys.prefix }),
      {
        products: new CartProductDirectory(() => gatewayUrl, { service: 'cart', secret: secretOf('cart') }),
      },
    ),
    orders: await createOrders(
      loadOrdersConfig({
        ...common,
        ORDERS_DATABASE_URL: ordersDb.appUrl,
        ORDERS_CHECKOUT_PRIVATE_KEY: checkoutKeys.privateKey,
      }),
      {
        products: new GraphProductCatalog(() => gatewayUrl, {
          service: 'orders',
          secret: secretOf('orders'),
        }),
      },
    ),
    payments: await createPayments(
      loadPaymentsConfig({
        ...common,
        PAYMENTS_DATABASE_URL: paymentsDb.appUrl,
        PAYMENTS_CHECKOUT_PUBLIC_KEY: checkoutKeys.publicKey,
        PAYMENTS_PROCESSOR_TIMEOUT_MS: '500',
      }),
    ),
    search: await createSearch(
      loadSearchConfig({ ...common, ELASTICSEARCH_URL: searchIndex.url, SEARCH_INDEX_ALIAS: searchIndex.alias }),
    ),
  };
  const subgraphUrls = {} as Record<SubgraphName, string>;
  for (const name of SUBGRAPHS) {
    subgraphUrls[name] = `http://127.0.0.1:${(await servers[name].server.listen(0, '127.0.0.1')).port}/graphql`;
  }
  const gatewayEnv: Record<string, string> = {
    ...common,
    ...Object.fromEntries(SUBGRAPHS.map((s) => [`${s.toUpperCase()}_URL`, subgraphUrls[s]])),
    GATEWAY_REDIS_URL: redisUrl(keySpaces.gateway.url),
    GATEWAY_REDIS_PREFIX: keySpaces.gateway.prefix,
    // plain http on loopback
    COOKIE_SECURE: 'false',
    ...options.gateway,
  };
  const gateway = await createGateway(loadGatewayConfig(gatewayEnv));
  gatewayUrl = `http://127.0.0.1:${(await gateway.listen(0, '127.0.0.1')).port}/graphql`;
  const metricsUrls = {
    gateway: gateway.http.metricsUrl(),
    ...Object.fromEntries(SUBGRAPHS.map((s) => [s, servers[s].server.http.metricsUrl()])),
  } as RunningPolystore['metricsUrls'];
  return {
    url: gatewayUrl,
    subgraphUrls,
    metricsUrls,
    ...servers,
    cartKeys,
    searchIndex,
    gateway,
    keySpaces,
    gatewayEnv,
    stores: {
      accountsUrl: accountsDb.appUrl,
      ordersUrl: ordersDb.appUrl,
      paymentsUrl: paymentsDb.appUrl,
      mongoUrl: catalogDb.url,
      catalogDbName: catalogDb.dbName,
      cartRedisUrl: cartKeys.url,
      cartKeyPrefix: cartKeys.prefix,
    },
    async stop() {
      await gateway.stop().catch(() => {}); // a test may have stopped it already
      await Promise.all(Object.values(servers).map((s) => s.stop()));
      if (!options.stores) await stores.drop();
    },
  };
}
