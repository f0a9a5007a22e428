import { codes, gql } from '../test-support/graphql';
import { operationsServed, startPolystore, type RunningPolystore } from './support/polystore';

// What the gateway refuses before planning: oversized, hostile or cross-site requests. Each is
// refused with its code, and the subgraphs never hear of it (counted at each subgraph).
let polystore: RunningPolystore;

beforeAll(async () => {
  polystore = await startPolystore({ gateway: { CORS_ORIGINS: 'https://shop.example.com', MAX_DEPTH: '4' } });
});
afterAll(async () => {
  await polystore?.stop();
});

/** Requests the subgraphs answered while `run` ran. */
async function subgraphRequestsDuring(run: () => Promise<void>): Promise<number> {
  const before =
    (await operationsServed(polystore.accounts.metrics)) + (await operationsServed(polystore.catalog.metrics));
  await run();
  const after =
    (await operationsServed(polystore.accounts.metrics)) + (await operationsServed(polystore.catalog.metrics));
  return after - before;
}

const PRODUCT_FIELDS =
  'id name description sku stock status version createdAt updatedAt price { amount currency } category { slug name description } attributes { name value }';

// Defaults everywhere (aliases 15, tokens 1000, directives 50, root fields 10, cost 5000) except
// depth: today's schema has no cycle, so no query can be deeper than 5; this gateway allows 4.
const BOMBS: [string, string, string][] = [
  ['an over-deep query (5 > 4)', '{ products { edges { node { category { slug } } } } }', 'MAX_DEPTH_LIMIT'],
  [
    'an alias bomb (16 > 15)',
    `{ ${Array.from({ length: 16 }, (_, i) => `a${i}: categories { slug }`).join(' ')} }`,
    'MAX_ALIASES_LIMIT',
  ],
  ['a token bomb (> 1000 tokens)', `{ categories { ${'slug '.repeat(1000)} } }`, 'MAX_TOKENS_LIMIT'],
  ['a directive bomb (51 > 50)', `{ categories { slug ${'@include(if: true) '.repeat(51)} } }`, 'MAX_DIRECTIVES_LIMIT'],
  [
    'too many root fields (11 > 10)',
    `{ ${Array.from({ length: 11 }, (_, i) => `r${i}: categories { slug }`).join(' ')} }`,
    'MAX_ROOT_FIELDS_LIMIT',
  ],
  [
    'an over-cost query (~10 700 > 5000)',
    `{ products(first: 100) { totalCount pageInfo { hasNextPage endCursor } edges { cursor node { ${PRODUCT_FIELDS} } } } }`,
    'COST_LIMIT',
  ],
];

describe('operation limits', () => {
  it.each(BOMBS)('refuse %s with its code before any subgraph is asked', async (_what, query, code) => {
    let res: Awaited<ReturnType<typeof gql>> | undefined;
    const calls = await subgraphRequestsDuring(async () => {
      res = await gql(polystore.url, query);
    });
    expect(res!.status).toBe(400);
    expect(codes(res!)).toContain(code);
    expect(res!.data).toBeUndefined();
    expect(calls).toBe(0);
  });

  it('let an ordinary storefront query through (and the subgraphs answer it)', async () => {
    let res: Awaited<ReturnType<typeof gql>> | undefined;
    const calls = await subgraphRequestsDuring(async () => {
      res = await gql(polystore.url, '{ categories { slug } products(first: 5) { totalCount } }');
    });
    expect(res!.errors).toBeUndefined();
    expect(calls).toBeGreaterThan(0);
  });
});

describe('the HTTP front', () => {
  it('refuses a body of 2 MB + 1 byte with 413, and takes one of just under 2 MB', async () => {
    const limit = 2 * 1024 * 1024;
    const envelope = (pad: number) =>
      JSON.stringify({ query: '{ categories { slug } }', variables: { pad: 'x'.repeat(pad) } });
    const overhead = envelope(0).length;
    let tooBig: Response | undefined;
    const calls = await subgraphRequestsDuring(async () => {
      tooBig = await fetch(polystore.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: envelope(limit + 1 - overhead),
      });
    });
    expect(tooBig!.status).toBe(413);
    expect(codes({ status: 413, ...((await tooBig!.json()) as object) })).toEqual(['PAYLOAD_TOO_LARGE']);
    expect(calls).toBe(0);
    const justUnder = await fetch(polystore.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: envelope(limit - overhead - 1000),
    });
    expect(justUnder.status).toBe(200);
  });

  it('refuses a mutation over GET, and a simple (text/plain) POST without a preflight header', async () => {
    let getMutation: Response | undefined;
    let textPlain: Response | undefined;
    let form: Response | undefined;
    const calls = await subgraphRequestsDuring(async () => {
      const q = encodeURIComponent('mutation { signOut }');
      getMutation = await fetch(`${polystore.url}?query=${q}`, { headers: { 'apollo-require-preflight': 'true' } });
      textPlain = await fetch(polystore.url, {
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        body: JSON.stringify({ query: 'mutation { signOut }' }),
      });
      form = await fetch(polystore.url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'query=mutation%20%7B%20signOut%20%7D',
      });
    });
    expect(getMutation!.status).toBe(405);
    expect(textPlain!.status).toBe(400);
    expect(await textPlain!.text()).toMatch(/Cross-Site Request Forgery/);
    expect(form!.status).toBe(400);
    expect(calls).toBe(0);
  });

  it('refuses a GET query without a preflight-forcing header (CSRF), answers it with one', async () => {
    const q = encodeURIComponent('{ categories { slug } }');
    expect((await fetch(`${polystore.url}?query=${q}`)).status).toBe(400);
    expect(
      (await fetch(`${polystore.url}?query=${q}`, { headers: { 'apollo-require-preflight': 'true' } })).status,
    ).toBe(200);
  });

  it('refuses batched requests', async () => {
    const res = await fetch(polystore.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([{ query: '{ categories { slug } }' }, { query: '{ categories { name } }' }]),
    });
    expect(res.status).toBe(400);
  });

  it('allows CORS with credentials only for the configured origins', async () => {
    const preflight = (origin: string) =>
      fetch(polystore.url, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
      });
    const allowed = await preflight('https://shop.example.com');
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://shop.example.com');
    expect(allowed.headers.get('access-control-allow-credentials')).toBe('true');
    const other = await preflight('https://evil.example.net');
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('gives every response a request id, keeping a well-formed one the client sent', async () => {
    const mine = await fetch(polystore.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'client-abc.123' },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    expect(mine.headers.get('x-request-id')).toBe('client-abc.123');
    const fresh = await fetch(polystore.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'bad id with spaces' },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    expect(fresh.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('/healthz answers while the process lives; /readyz checks every subgraph and Redis', async () => {
    const base = polystore.url.replace(/\/graphql$/, '');
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    const report = (await ready.json()) as { checks: Record<string, { ok: boolean }> };
    expect(Object.keys(report.checks).sort()).toEqual([
      'accepting',
      'accounts',
      'cart',
      'catalog',
      'orders',
      'payments',
      'redis',
      'search',
    ]);
  });
});
