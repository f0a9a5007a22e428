import { counterValue } from '@polystore/platform';
import { gql, type GraphQLResponse } from '../test-support/graphql';
import { takeDown, within } from './support/outage';
import { startPolystore, type RunningPolystore } from './support/polystore';
import { seedStorefront, type Storefront } from './support/storefront';

// The e2e project's testTimeout is not applied per project by jest 30; this file's own bound:
jest.setTimeout(30_000);

// One subgraph down must not take the others' data with it: the gateway answers 200 with what the
// healthy subgraphs gave, the failed fields null, and errors naming the service and the path.
let polystore: RunningPolystore;
let store: Storefront;

beforeAll(async () => {
  polystore = await startPolystore();
  store = await seedStorefront(polystore);
});
afterAll(async () => {
  await polystore?.stop();
});

const ACCOUNTS_ONLY = 'query Profile { me { name email } }';
const WISHLIST = 'query Wishlist { me { name wishlist { id name } } }';
const MIXED_ROOTS = 'query Home { me { name } categories { name } }';

const gatewayMetric = (name: string, labels: Record<string, string>) =>
  counterValue(polystore.gateway.metrics.registry, name, labels);

function serviceErrors(res: GraphQLResponse) {
  return (res.errors ?? []).map((e) => ({
    path: e.path,
    code: e.extensions?.['code'],
    serviceName: e.extensions?.['serviceName'],
  }));
}

describe('when the catalog subgraph is down', () => {
  let restore: () => Promise<void>;

  beforeAll(async () => {
    // Warm: plans cached and keep-alive connections open to catalog, as in production, and the
    // breaker's rolling window (10 s) holds 20 recent successes, so the failures of the first tests
    // below stay under its 50 % threshold however long seeding took.
    for (let i = 0; i < 20; i++) expect((await store.call(polystore.url, WISHLIST, {})).errors).toBeUndefined();
    ({ restore } = await takeDown(polystore.catalog.server.http));
  });

  it('answers operations that do not touch it as usual', async () => {
    const res = await store.call(polystore.url, ACCOUNTS_ONLY, {});
    expect(res.status).toBe(200);
    expect(res.errors).toBeUndefined();
    expect(res.data).toEqual({ me: { name: 'Olive Outage', email: 'outage@example.com' } });
  });

  it("keeps accounts' data of a joined query, with the catalog's fields null and errors naming catalog", async () => {
    const res = await store.call(polystore.url, WISHLIST, {});
    expect(res.status).toBe(200);
    expect(res.data).toEqual({ me: { name: 'Olive Outage', wishlist: [null, null, null] } });
    expect(serviceErrors(res)).toEqual(
      [0, 1, 2].map((i) => ({ path: ['me', 'wishlist', i], code: 'SERVICE_UNAVAILABLE', serviceName: 'catalog' })),
    );
  });

  it('nulls only the root fields catalog owns when an operation spans both', async () => {
    const res = await store.call(polystore.url, MIXED_ROOTS, {});
    expect(res.status).toBe(200);
    expect(res.data).toEqual({ me: { name: 'Olive Outage' }, categories: null });
    expect(serviceErrors(res)).toEqual([{ path: ['categories'], code: 'SERVICE_UNAVAILABLE', serviceName: 'catalog' }]);
  });

  const retries = () => gatewayMetric('subgraph_fetch_retries_total', { subgraph: 'catalog' });

  it('retries queries but never a mutation', async () => {
    // The breaker is still closed here (6 failed attempts so far, 9 after this query, against the 20
    // warm successes), so both calls reach catalog.
    const before = await retries();
    await store.call(polystore.url, WISHLIST, {});
    const afterQuery = await retries();
    expect(afterQuery - before).toBe(2); // SUBGRAPH_RETRIES=2: three attempts
    const mutation = await gql(
      polystore.url,
      'mutation { createCategory(input: { slug: "desks", name: "Desks" }) { slug } }',
    );
    expect(mutation.status).toBe(200);
    expect(serviceErrors(mutation)).toEqual([
      { path: ['createCategory'], code: 'SERVICE_UNAVAILABLE', serviceName: 'catalog' },
    ]);
    expect(await retries()).toBe(afterQuery);
  });

  it('opens the breaker after repeated failures, then fails fast', async () => {
    for (let i = 0; i < 12; i++) await store.call(polystore.url, WISHLIST, {});
    expect(polystore.gateway.metrics.registry.getSingleMetric('subgraph_breaker_state')).toBeDefined();
    expect(await gatewayMetric('subgraph_breaker_state', { subgraph: 'catalog' })).toBe(2);
    // Failing fast: the query is answered without one attempt at catalog, so without a retry either
    // (a closed breaker would have tried three times). Counted, not timed.
    const retriesBefore = await retries();
    const res = await store.call(polystore.url, WISHLIST, {});
    expect(res.errors?.[0]?.extensions).toMatchObject({ serviceName: 'catalog', reason: 'circuit_open' });
    expect(await retries()).toBe(retriesBefore);
  });

  it('recovers within 10 s of the subgraph coming back', async () => {
    await restore();
    const tookMs = await within(10_000, async () => {
      const res = await store.call(polystore.url, WISHLIST, {});
      return res.errors === undefined && res.data?.['me']?.wishlist?.length === 3;
    });
    expect(tookMs).toBeLessThan(10_000);
    expect(await gatewayMetric('subgraph_breaker_state', { subgraph: 'catalog' })).toBe(0);
  });
});
