import { Writable } from 'node:stream';
import { pino } from 'pino';
import { loadGatewayConfig } from '../gateway/src/config';
import { createGateway, type Gateway } from '../gateway/src/gateway';
import { startPolystore, type RunningPolystore } from './support/polystore';
import { slowProxy } from './support/slow-proxy';
import { seedStorefront, type Storefront } from './support/storefront';

// The e2e project's testTimeout is not applied per project by jest 30; this file's own bound:
jest.setTimeout(30_000);

// What an operator sees: Prometheus metrics on every service (on a metrics port of its own, never
// the client port), and JSON log lines that carry the request id (the same one at the gateway and
// at the subgraphs) and the operation name.
let polystore: RunningPolystore;
let store: Storefront;

beforeAll(async () => {
  polystore = await startPolystore();
  store = await seedStorefront(polystore);
});
afterAll(async () => {
  await polystore?.stop();
});

const WISHLIST = 'query Wishlist { me { name wishlist { name } } }';

async function scrape(metricsUrl: string): Promise<string> {
  const response = await fetch(metricsUrl);
  expect(response.status).toBe(200);
  return response.text();
}

/** The value of one sample line of a Prometheus text page, labels given in any order. */
function sample(page: string, name: string, labels: Record<string, string> = {}): number {
  const line = page
    .split('\n')
    .find(
      (l) =>
        (l.startsWith(`${name}{`) || l.startsWith(`${name} `)) &&
        Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`)),
    );
  if (!line) throw new Error(`no sample ${name} ${JSON.stringify(labels)}`);
  return Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('metrics', () => {
  it('no service answers /metrics on its client port; each serves them on its metrics port, on loopback', async () => {
    const clientUrls = { gateway: polystore.url, ...polystore.subgraphUrls };
    for (const [name, url] of Object.entries(clientUrls)) {
      const onClientPort = await fetch(new URL('/metrics', url));
      expect({ name, status: onClientPort.status }).toEqual({ name, status: 404 });
      expect(await onClientPort.text()).not.toMatch(/graphql_operation|process_cpu/);
      expect({ name, ready: (await fetch(new URL('/readyz', url))).status }).toEqual({ name, ready: 200 });
      const metricsUrl = polystore.metricsUrls[name as keyof typeof polystore.metricsUrls];
      expect(new URL(metricsUrl).hostname).toBe('127.0.0.1');
      expect(new URL(metricsUrl).port).not.toBe(new URL(url).port);
    }
  });

  it('every service serves Prometheus metrics, with latency per operation name', async () => {
    expect((await store.call(polystore.url, WISHLIST, {})).errors).toBeUndefined();
    const gateway = await scrape(polystore.metricsUrls.gateway);
    expect(
      sample(gateway, 'graphql_operation_duration_seconds_count', { operation: 'Wishlist', type: 'query' }),
    ).toBeGreaterThanOrEqual(1);
    for (const name of Object.keys(polystore.subgraphUrls) as (keyof typeof polystore.subgraphUrls)[]) {
      const page = await scrape(polystore.metricsUrls[name]);
      expect(page).toMatch(/^process_cpu_seconds_total/m);
      // the subgraphs this operation reached have its latency
      if (name === 'accounts' || name === 'catalog')
        expect(page).toMatch(/^graphql_operation_duration_seconds_bucket\{/m);
    }
  });

  it('the gateway reports subgraph fetch latency per subgraph, breaker states and the plan cache', async () => {
    const before = await scrape(polystore.metricsUrls.gateway);
    const query = 'query PlanCacheProbe { me { email wishlist { id name } } }';
    for (let i = 0; i < 3; i++) expect((await store.call(polystore.url, query, {})).errors).toBeUndefined();
    const after = await scrape(polystore.metricsUrls.gateway);
    const delta = (name: string, labels: Record<string, string>) =>
      sample(after, name, labels) - sample(before, name, labels);

    expect(delta('subgraph_fetch_duration_seconds_count', { subgraph: 'accounts', outcome: 'ok' })).toBe(3);
    expect(delta('subgraph_fetch_duration_seconds_count', { subgraph: 'catalog', outcome: 'ok' })).toBe(3);
    expect(sample(after, 'subgraph_breaker_state', { subgraph: 'accounts' })).toBe(0);
    expect(sample(after, 'subgraph_breaker_state', { subgraph: 'catalog' })).toBe(0);
    // Planned once, then answered from the cache twice.
    expect(delta('query_plan_cache_lookups_total', { result: 'miss' })).toBe(1);
    expect(delta('query_plan_cache_lookups_total', { result: 'hit' })).toBe(2);
    expect(delta('query_plan_cache_entries', {})).toBe(1);
    expect(sample(after, 'query_plan_cache_bytes')).toBeGreaterThan(0);
  });
});

describe('logs and request ids', () => {
  let gateway: Gateway;
  let url: string;
  let recorder: Awaited<ReturnType<typeof slowProxy>>;
  const lines: Record<string, unknown>[] = [];

  beforeAll(async () => {
    recorder = await slowProxy(polystore.subgraphUrls.catalog, 0);
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line));
        done();
      },
    });
    gateway = await createGateway(
      loadGatewayConfig({
        ...polystore.gatewayEnv,
        SLOW_OPERATION_MS: '1',
        CATALOG_URL: recorder.url,
      }),
      { logger: pino({ level: 'info', base: { service: 'gateway' } }, sink) },
    );
    url = `http://127.0.0.1:${(await gateway.listen(0, '127.0.0.1')).port}/graphql`;
  });
  afterAll(async () => {
    await gateway?.stop();
    await recorder?.close();
  });

  it('the caller’s request id reaches the subgraphs and the gateway’s log lines, with the operation name', async () => {
    const res = await store.call(url, WISHLIST, {}, { 'x-request-id': 'obs-req-0001' });
    expect(res.errors).toBeUndefined();
    expect(recorder.headers().map((h) => h['x-request-id'])).toEqual(['obs-req-0001']);
    expect(lines).toContainEqual(
      expect.objectContaining({
        msg: 'slow operation',
        requestId: 'obs-req-0001',
        operation: 'Wishlist',
        service: 'gateway',
      }),
    );
  });

  it('a failed subgraph fetch is logged once with the request id, operation and subgraph', async () => {
    await recorder.close();
    const res = await store.call(url, WISHLIST, {}, { 'x-request-id': 'obs-req-0002' });
    expect(res.data).toEqual({ me: { name: 'Olive Outage', wishlist: [null, null, null] } });
    const failures = lines.filter((l) => l['subgraph'] === 'catalog' && l['requestId'] === 'obs-req-0002');
    expect(failures).toEqual([
      expect.objectContaining({
        level: 40,
        operation: 'Wishlist',
        reason: 'unreachable',
        path: ['me', 'wishlist', '@'],
      }),
    ]);
  });
});
