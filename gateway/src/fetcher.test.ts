import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import {
  counterValue,
  histogramTotals,
  IDENTITY_HEADER,
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  verifyRequest,
} from '@polystore/platform';
import { createSubgraphClient, RETRYABLE_HEADER, SubgraphFetchError, type SubgraphClient } from './fetcher';
import { createGatewayMetrics, type GatewayMetrics } from './plugins/metrics';
import type { SubgraphClientSettings } from './resilience-config';
import { signingFetcher } from './subgraph-source';

// The subgraph client against a fake subgraph on loopback: what reaches the wire, and what happens
// when the subgraph is slow, refuses, resets or fails.

interface Seen {
  body: string;
  headers: IncomingMessage['headers'];
}
type Handler = (req: IncomingMessage, res: ServerResponse, n: number) => void;

/** `healthy` says whether /healthz answers (200) or resets; health checks are not in `seen`. */
async function fakeSubgraph(handler: Handler, healthy: () => boolean = () => false) {
  const seen: Seen[] = [];
  const healthChecks = { count: 0 };
  let connections = 0;
  const server = createServer((req, res) => {
    if (req.url === '/healthz') {
      healthChecks.count++;
      return healthy() ? res.end('{"status":"ok"}') : req.socket.destroy();
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ body: Buffer.concat(chunks).toString('utf8'), headers: req.headers });
      handler(req, res, seen.length);
    });
  });
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    seen,
    healthChecks,
    connections: () => connections,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

const ok: Handler = (_req, res) => {
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ data: { ok: true } }));
};
const reset: Handler = (req) => req.socket.destroy();

const SETTINGS: SubgraphClientSettings = {
  timeoutMs: 1000,
  retries: 2,
  connections: 4,
  breaker: { errorThresholdPercentage: 50, volumeThreshold: 4, resetTimeoutMs: 300 },
};
const QUERY_BODY = JSON.stringify({ query: 'query Q__catalog__0 { products { id } }', variables: {} });
const MUTATION_BODY = JSON.stringify({ query: 'mutation M__catalog__0 { createCategory { id } }', variables: {} });
const asQuery = { 'content-type': 'application/json', [RETRYABLE_HEADER]: '1' };
const asMutation = { 'content-type': 'application/json' };

let fake: Awaited<ReturnType<typeof fakeSubgraph>> | undefined;
let client: SubgraphClient | undefined;
let metrics: GatewayMetrics;
let registry: Registry;

beforeEach(() => {
  registry = new Registry();
  metrics = createGatewayMetrics(registry);
});
afterEach(async () => {
  await client?.close();
  await fake?.close();
  client = fake = undefined;
});

async function setUp(handler: Handler, settings: Partial<SubgraphClientSettings> = {}, healthy?: () => boolean) {
  fake = await fakeSubgraph(handler, healthy);
  client = createSubgraphClient({ name: 'catalog', url: fake.url, settings: { ...SETTINGS, ...settings }, metrics });
  return { fake, client };
}

async function failure(promise: Promise<unknown>): Promise<SubgraphFetchError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(SubgraphFetchError);
    return error as SubgraphFetchError;
  }
  throw new Error('expected the fetch to fail');
}

describe('the subgraph client', () => {
  it('sends the signed body byte for byte, without the retry mark, over kept-alive connections', async () => {
    const { fake, client } = await setUp(ok);
    const secret = 'a-test-secret-of-at-least-32-characters!';
    const fetcher = signingFetcher(secret, client.fetcher);
    const body = JSON.stringify({ query: '{ products { name } }', variables: { q: 'lampe à poser ✓' } });
    for (let i = 0; i < 10; i++) {
      const res = await fetcher(fake.url, {
        method: 'POST',
        headers: { ...asQuery, 'x-request-id': `req-${i}` },
        body,
      });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ data: { ok: true } });
    }
    expect(fake.seen.map((s) => s.body)).toEqual(Array(10).fill(body));
    for (const [i, { headers }] of fake.seen.entries()) {
      expect(headers[RETRYABLE_HEADER]).toBeUndefined();
      expect(headers['x-request-id']).toBe(`req-${i}`);
      const verdict = verifyRequest(
        secret,
        {
          timestamp: headers[TIMESTAMP_HEADER] as string,
          identity: headers[IDENTITY_HEADER] as string,
          signature: headers[SIGNATURE_HEADER] as string,
        },
        Buffer.from(body, 'utf8'),
      );
      expect(verdict.ok).toBe(true);
    }
    // undici may open a second socket while the first is being released; never one per request.
    expect(fake.connections()).toBeLessThanOrEqual(2);
    expect(
      (await histogramTotals(registry, 'subgraph_fetch_duration_seconds', { subgraph: 'catalog', outcome: 'ok' }))
        .count,
    ).toBe(10);
  });

  it('sends a query again when the connection is reset, and answers from the retry', async () => {
    const { fake, client } = await setUp((req, res, n) => (n === 1 ? reset(req, res, n) : ok(req, res, n)));
    const res = await client.fetcher(fake.url, { method: 'POST', headers: asQuery, body: QUERY_BODY });
    expect(res.status).toBe(200);
    expect(fake.seen).toHaveLength(2);
    expect(await counterValue(registry, 'subgraph_fetch_retries_total', { subgraph: 'catalog' })).toBe(1);
  });

  it('never sends a mutation twice', async () => {
    const { fake, client } = await setUp(reset);
    const error = await failure(
      client.fetcher(fake.url, { method: 'POST', headers: asMutation, body: '{"query":"mutation { x }"}' }),
    );
    expect(error.reason).toBe('unreachable');
    expect(error.neverSent).toBe(false); // it reached the subgraph before the reset
    expect(fake.seen).toHaveLength(1);
    expect(await counterValue(registry, 'subgraph_fetch_retries_total')).toBe(0);
  });

  it('knows a refused connection delivered nothing, and retries a query on it', async () => {
    const { fake, client } = await setUp(ok);
    await fake.close();
    const error = await failure(client.fetcher(fake.url, { method: 'POST', headers: asQuery, body: QUERY_BODY }));
    expect(error).toMatchObject({ reason: 'unreachable', neverSent: true, retryable: true });
    expect(error.message).toBe('catalog could not be reached (ECONNREFUSED)');
    expect(await counterValue(registry, 'subgraph_fetch_retries_total', { subgraph: 'catalog' })).toBe(2);
  });

  it('gives up on a query after the configured retries', async () => {
    const { fake, client } = await setUp(reset);
    const error = await failure(client.fetcher(fake.url, { method: 'POST', headers: asQuery, body: QUERY_BODY }));
    expect(error.reason).toBe('unreachable');
    expect(error.message).toMatch(/^catalog could not be reached/);
    expect(fake.seen).toHaveLength(3);
  });

  it('retries a 503 for a query but not a 500, and reports both as http_5xx', async () => {
    const status =
      (code: number): Handler =>
      (_req, res) => {
        res.statusCode = code;
        res.end('{}');
      };
    const { fake, client } = await setUp(status(503));
    expect(
      (await failure(client.fetcher(fake.url, { method: 'POST', headers: asQuery, body: QUERY_BODY }))).reason,
    ).toBe('http_5xx');
    expect(fake.seen).toHaveLength(3);
    await client.close();
    await fake.close();
    const second = await setUp(status(500));
    expect(
      (await failure(second.client.fetcher(second.fake.url, { method: 'POST', headers: asQuery, body: QUERY_BODY })))
        .status,
    ).toBe(500);
    expect(second.fake.seen).toHaveLength(1);
  });

  it('hands a 4xx answer back as a response (the subgraph is up), without counting it against the breaker', async () => {
    const { fake, client } = await setUp((_req, res) => {
      res.statusCode = 401;
      res.setHeader('content-type', 'application/json');
      res.end('{"errors":[{"message":"unsigned"}]}');
    });
    for (let i = 0; i < 6; i++) {
      const res = await client.fetcher(fake.url, { method: 'POST', headers: asQuery, body: QUERY_BODY });
      expect(res.status).toBe(401);
      expect(res.headers.get('content-type')).toBe('application/json');
    }
    expect(client.breakerState).toBe('closed');
    expect(fake.seen).toHaveLength(6);
  });

  it('stops waiting at the deadline and does not retry a timeout', async () => {
    const { fake, client } = await setUp((req, res, n) => setTimeout(() => ok(req, res, n), 1000).unref(), {
      timeoutMs: 200,
    });
    const started = performance.now();
    const error = await failure(client.fetcher(fake.url, { method: 'POST', headers: asQuery, body: QUERY_BODY }));
    const elapsed = performance.now() - started;
    expect(error.reason).toBe('timeout');
    expect(error.message).toBe('catalog did not answer within 200 ms');
    expect(elapsed).toBeGreaterThanOrEqual(195);
    // Well short of the fake's 1 s answer; wide enough for a busy 2-core CI machine.
    expect(elapsed).toBeLessThan(600);
    expect(fake.seen).toHaveLength(1);
  });

  it('opens the breaker on repeated failures, fails fast, and closes after one good trial fetch', async () => {
    let down = true;
    const { fake, client } = await setUp((req, res, n) => (down ? reset(req, res, n) : ok(req, res, n)), {
      retries: 0,
    });
    const send = () => client.fetcher(fake.url, { method: 'POST', headers: asQuery, body: QUERY_BODY });
    for (let i = 0; i < 4; i++) await failure(send());
    expect(client.breakerState).toBe('open');
    expect(await counterValue(registry, 'subgraph_breaker_state', { subgraph: 'catalog' })).toBe(2);

    const reached = fake.seen.length;
    const fast = await failure(send());
    expect(fast.reason).toBe('circuit_open');
    expect(fake.seen).toHaveLength(reached);

    down = false;
    await new Promise((r) => setTimeout(r, 350));
    expect(client.breakerState).toBe('half_open');
    expect((await send()).status).toBe(200);
    expect(client.breakerState).toBe('closed');
    expect(await counterValue(registry, 'subgraph_breaker_state', { subgraph: 'catalog' })).toBe(0);
  });

  it('closes the breaker as soon as the subgraph answers its health check, well before the reset timeout', async () => {
    let down = true;
    const { fake, client } = await setUp(
      (req, res, n) => (down ? reset(req, res, n) : ok(req, res, n)),
      { retries: 0, breaker: { ...SETTINGS.breaker, resetTimeoutMs: 60_000 } },
      () => !down,
    );
    const send = () => client.fetcher(fake.url, { method: 'POST', headers: asQuery, body: QUERY_BODY });
    for (let i = 0; i < 4; i++) await failure(send());
    expect(client.breakerState).toBe('open');
    // asked while open, and refused while the subgraph is down
    for (let i = 0; i < 200 && fake.healthChecks.count < 2; i++) await new Promise((r) => setTimeout(r, 10));
    expect(client.breakerState).toBe('open');
    down = false; // the subgraph was restarted
    for (let i = 0; i < 200 && client.breakerState === 'open'; i++) await new Promise((r) => setTimeout(r, 10));
    expect(client.breakerState).toBe('closed');
    expect((await send()).status).toBe(200);
    const checks = fake.healthChecks.count;
    await new Promise((r) => setTimeout(r, 400));
    expect(fake.healthChecks.count).toBe(checks); // no more health checks once closed
  });

  it('does not count mutations that time out: a burst of slow writes leaves the breaker closed for reads', async () => {
    // Writes are slow (past the deadline), reads answer at once: a subgraph that is busy, not down.
    const { fake, client } = await setUp(
      (req, res, n) => {
        if (fake.seen[n - 1]!.body.includes('mutation')) setTimeout(() => ok(req, res, n), 500).unref();
        else ok(req, res, n);
      },
      { timeoutMs: 100, retries: 0, connections: 8 },
    );
    const write = () => client.fetcher(fake.url, { method: 'POST', headers: asMutation, body: MUTATION_BODY });
    const read = () => client.fetcher(fake.url, { method: 'POST', headers: asQuery, body: QUERY_BODY });
    const writes = await Promise.all(Array.from({ length: 8 }, () => failure(write())));
    expect(writes.map((e) => e.reason)).toEqual(Array(8).fill('timeout'));
    expect(client.breakerState).toBe('closed');
    const reached = fake.seen.length;
    for (let i = 0; i < 4; i++) expect((await read()).status).toBe(200);
    expect(fake.seen).toHaveLength(reached + 4);
    expect(await counterValue(registry, 'subgraph_breaker_state', { subgraph: 'catalog' })).toBe(0);
    // every write was sent exactly once
    expect(fake.seen.filter((s) => s.body === MUTATION_BODY)).toHaveLength(8);
  });

  it('refuses a mutation without sending it while reads hold the breaker open', async () => {
    const { fake, client } = await setUp(reset, { retries: 0 });
    const send = () => client.fetcher(fake.url, { method: 'POST', headers: asQuery, body: QUERY_BODY });
    for (let i = 0; i < 4; i++) await failure(send());
    expect(client.breakerState).toBe('open');
    const reached = fake.seen.length;
    const refused = await failure(
      client.fetcher(fake.url, { method: 'POST', headers: asMutation, body: MUTATION_BODY }),
    );
    expect(refused).toMatchObject({ reason: 'circuit_open', neverSent: true });
    expect(fake.seen).toHaveLength(reached);
  });

  it('lets one trial fetch through when half-open and opens again if it fails', async () => {
    const { fake, client } = await setUp(reset, { retries: 0 });
    const send = () => client.fetcher(fake.url, { method: 'POST', headers: asQuery, body: QUERY_BODY });
    for (let i = 0; i < 4; i++) await failure(send());
    await new Promise((r) => setTimeout(r, 350));
    const reached = fake.seen.length;
    const [trial, other] = await Promise.all([failure(send()), failure(send())]);
    expect(trial.reason).toBe('unreachable');
    expect(other.reason).toBe('circuit_open');
    expect(fake.seen).toHaveLength(reached + 1);
    expect(client.breakerState).toBe('open');
  });
});
