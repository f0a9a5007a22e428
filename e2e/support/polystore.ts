import { ANONYMOUS, generateCheckoutKeys, type Identity } from '@polystore/platform';
import { createAccounts, type Accounts } from '../../subgraphs/accounts/src/app';
import { loadAccountsConfig } from '../../subgraphs/accounts/src/config';
import { GraphProductDirectory } from '../../subgraphs/accounts/src/wishlist/product-directory';
import { createCatalog, type Catalog } from '../../subgraphs/catalog/src/app';
import { loadCatalogConfig } from '../../subgraphs/catalog/src/config';
import { createOrders, type Orders } from '../../subgraphs/orders/src/app';
import { loadOrdersConfig } from '../../subgraphs/orders/src/config';
import { GraphProductCatalog } from '../../subgraphs/orders/src/order/product-catalog';
import { createPayments, type Payments } from '../../subgraphs/payments/src/app';
import { loadPaymentsConfig } from '../../subgraphs/payments/src/config';
import { loadGatewayConfig } from '../../gateway/src/config';
import { createGateway, type Gateway } from '../../gateway/src/gateway';
import { TEST_SIGNING_SECRET } from '../../test-support/graphql';
import { createTestMongo, type TestMongo } from '../../test-support/mongo';
import { createTestDatabase, type TestDatabase } from '../../test-support/postgres';

const SUBGRAPHS = ['accounts', 'catalog', 'orders', 'payments'] as const;
type SubgraphName = (typeof SUBGRAPHS)[number];

/**
 * Until the gateway signs callers in, the tests say who is calling with this header; only the
 * test gateway reads it (createGateway's `identify`), never a production one.
 */
export const TEST_VIEWER_HEADER = 'x-e2e-viewer';
export const viewerHeaders = (identity: Identity) => ({ [TEST_VIEWER_HEADER]: JSON.stringify(identity) });

export interface RunningPolystore {
  url: string;
  subgraphUrls: Record<SubgraphName, string>;
  accounts: Accounts;
  catalog: Catalog;
  orders: Orders;
  payments: Payments;
  gateway: Gateway;
  stop(): Promise<void>;
}

/**
 * The gateway and every subgraph, each on its own port on loopback and its own fresh database on
 * the real stores, wired as in production except for the ports.
 */
export async function startPolystore(): Promise<RunningPolystore> {
  const common = {
    LOG_LEVEL: 'silent',
    NODE_ENV: 'test',
    ...Object.fromEntries(SUBGRAPHS.map((s) => [`${s.toUpperCase()}_SIGNING_SECRET`, `${s}-${TEST_SIGNING_SECRET}`])),
  };
  const checkoutKeys = generateCheckoutKeys();
  const [accountsDb, ordersDb, paymentsDb]: TestDatabase[] = await Promise.all([
    createTestDatabase('accounts'),
    createTestDatabase('orders'),
    createTestDatabase('payments'),
  ]);
  const catalogDb: TestMongo = await createTestMongo();
  let gatewayUrl = '';
  const accounts = await createAccounts(
    loadAccountsConfig({ ...common, ACCOUNTS_DATABASE_URL: accountsDb!.appUrl, PASSWORD_SCRYPT_LOG_N: '14' }),
    { products: new GraphProductDirectory(() => gatewayUrl) },
  );
  const catalog = await createCatalog(
    loadCatalogConfig({ ...common, MONGO_URL: catalogDb.url, CATALOG_DB_NAME: catalogDb.dbName }),
  );
  const orders = await createOrders(
    loadOrdersConfig({
      ...common,
      ORDERS_DATABASE_URL: ordersDb!.appUrl,
      ORDERS_CHECKOUT_PRIVATE_KEY: checkoutKeys.privateKey,
    }),
    { products: new GraphProductCatalog(() => gatewayUrl) },
  );
  const payments = await createPayments(
    loadPaymentsConfig({
      ...common,
      PAYMENTS_DATABASE_URL: paymentsDb!.appUrl,
      PAYMENTS_CHECKOUT_PUBLIC_KEY: checkoutKeys.publicKey,
      PAYMENTS_PROCESSOR_TIMEOUT_MS: '500',
    }),
  );
  const servers = { accounts, catalog, orders, payments };
  const subgraphUrls = {} as Record<SubgraphName, string>;
  for (const name of SUBGRAPHS) {
    subgraphUrls[name] = `http://127.0.0.1:${(await servers[name].server.listen(0, '127.0.0.1')).port}/graphql`;
  }
  const gateway = await createGateway(
    loadGatewayConfig({
      ...common,
      ...Object.fromEntries(SUBGRAPHS.map((s) => [`${s.toUpperCase()}_URL`, subgraphUrls[s]])),
    }),
    {
      identify: (req) => {
        const viewer = req.header(TEST_VIEWER_HEADER);
        return viewer ? (JSON.parse(viewer) as Identity) : ANONYMOUS;
      },
    },
  );
  gatewayUrl = `http://127.0.0.1:${(await gateway.listen(0, '127.0.0.1')).port}/graphql`;
  return {
    url: gatewayUrl,
    subgraphUrls,
    ...servers,
    gateway,
    async stop() {
      await gateway.stop();
      await Promise.all(Object.values(servers).map((s) => s.stop()));
      await Promise.all([accountsDb!.drop(), ordersDb!.drop(), paymentsDb!.drop(), catalogDb.drop()]);
    },
  };
}
