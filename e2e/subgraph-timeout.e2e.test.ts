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
  store = await seedStorefront(polystore.url);
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
    const [res, ms] = await timed(wishlist);
    expect(ms).toBeGreaterThanOrEqual(2000);
    expect(ms).toBeLessThanOrEqual(2200);
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
    const [res, ms] = await timed(() => gql(url, '{ categories { name } }'));
    expect(ms).toBeGreaterThanOrEqual(2000);
    expect(ms).toBeLessThanOrEqual(2200);
    expect(res.data).toEqual({ categories: null });
    expect(res.errors?.map((e) => [e.path, e.extensions?.['serviceName']])).toEqual([[['categories'], 'catalog']]);
  });
});
