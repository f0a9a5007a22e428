import { histogramTotals } from '@polystore/platform';
import { loadGatewayConfig } from '../gateway/src/config';
import { createGateway, type Gateway } from '../gateway/src/gateway';
import { gql } from '../test-support/graphql';
import { startPolystore, type RunningPolystore } from './support/polystore';
import { slowProxy } from './support/slow-proxy';
import { seedStorefront, type Storefront } from './support/storefront';

// The e2e project's testTimeout is not applied per project by jest 30; this file's own bound:
jest.setTimeout(30_000);

// A subgraph that answers after 5 s, behind a gateway whose deadline for it is 2 s: the client gets
// its answer at 2 s, with that subgraph's fields null and an error naming it, and the rest intact.
let polystore: RunningPolystore;
let store: Storefront;
let proxy: Awaited<ReturnType<typeof slowProxy>>;
let gateway: Gateway;
let url: string;

beforeAll(async () => {
  polystore = await startPolystore();
  store = await seedStorefront(polystore);
  proxy = await slowProxy(polystore.subgraphUrls.catalog, 5000);
  gateway = await createGateway(
    loadGatewayConfig({
      ...polystore.gatewayEnv,
      CATALOG_URL: proxy.url,
      SUBGRAPH_TIMEOUT_MS: '10000',
      SUBGRAPH_TIMEOUTS: 'catalog=2000',
    }),
  );
  url = `http://127.0.0.1:${(await gateway.listen(0, '127.0.0.1')).port}/graphql`;
});
afterAll(async () => {
  await gateway?.stop();
  await proxy?.close();
  await polystore?.stop();
});

/** The gateway's own record of its catalog fetches that ended in a timeout: how many, and their total seconds. */
const catalogTimeouts = () =>
  histogramTotals(gateway.metrics.registry, 'subgraph_fetch_duration_seconds', {
    subgraph: 'catalog',
    outcome: 'timeout',
  });

/**
 * The field error is made when the gateway gives up on catalog: that fetch must end at 2 s ± 0.2 s
 * (measured by the fetcher itself). The client's whole answer also waits for accounts, planning and
 * serialisation, so it is bounded more loosely — still far from the subgraph's 5 s.
 */
async function expectDeadlineKept(before: { count: number; sum: number }, clientMs: number) {
  const after = await catalogTimeouts();
  expect(after.count - before.count).toBe(1);
  const fetchMs = (after.sum - before.sum) * 1000;
  expect(fetchMs).toBeGreaterThanOrEqual(2000);
  expect(fetchMs).toBeLessThanOrEqual(2200);
  expect(clientMs).toBeGreaterThanOrEqual(2000);
  expect(clientMs).toBeLessThan(3000);
}

async function timed<T>(work: () => Promise<T>): Promise<[T, number]> {
  const started = performance.now();
  const result = await work();
  return [result, performance.now() - started];
}

describe('a subgraph slower than its timeout', () => {
  it('becomes a field error at the deadline (2 s ± 0.2 s), with the other subgraph’s data kept', async () => {
    const wishlist = () => store.call(url, 'query Wishlist { me { name wishlist { name } } }');
    await wishlist(); // plan cached and connections open, as on a gateway that has been serving
    const reached = proxy.requests();
    const before = await catalogTimeouts();
    const [res, ms] = await timed(wishlist);
    await expectDeadlineKept(before, ms);
    expect(res.status).toBe(200);
    expect(res.data).toEqual({ me: { name: 'Olive Outage', wishlist: [null, null, null] } });
    expect(res.errors).toHaveLength(3);
    for (const [i, error] of res.errors!.entries()) {
      expect(error).toMatchObject({
        message: 'catalog did not answer within 2000 ms',
        path: ['me', 'wishlist', i],
        extensions: { code: 'SERVICE_UNAVAILABLE', reason: 'timeout', serviceName: 'catalog' },
      });
    }
    // A timed-out fetch is not sent again: the deadline covers the whole fetch, retries included.
    expect(proxy.requests() - reached).toBe(1);
  });

  it('times out a root field the same way', async () => {
    const before = await catalogTimeouts();
    const [res, ms] = await timed(() => gql(url, '{ categories { name } }'));
    await expectDeadlineKept(before, ms);
    expect(res.data).toEqual({ categories: null });
    expect(res.errors?.map((e) => [e.path, e.extensions?.['serviceName']])).toEqual([[['categories'], 'catalog']]);
  });
});
