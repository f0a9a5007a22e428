import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { GraphQLError } from 'graphql';
import { pino } from 'pino';
import { ConfigError } from '@polystore/platform';
import { loadGatewayConfig } from '../gateway/src/config';
import { createGateway, type Gateway } from '../gateway/src/gateway';
import { sha256 } from '../gateway/src/plugins/persisted-operations';
import { gql } from '../test-support/graphql';
import {
  composeFixture,
  serveFixture,
  type FixtureDefinition,
  type FixtureSubgraph,
} from './support/fixture-subgraphs';

// The gateway on a supergraph that is not Polystore's: two subgraphs with hyphenated names, no
// accounts subgraph, only one of them signing-aware — in development, without Redis. It must answer
// exactly as stock @apollo/gateway does on the same supergraph, and production must still refuse
// to start without Redis or without the secret of a subgraph configured as signed.

// The stock gateway below must not phone home either (Polystore's gateway sees to its own).
process.env['APOLLO_TELEMETRY_DISABLED'] = 'true';

const FEDERATION = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])';
const PRODUCTS = [
  { id: 'p1', name: 'Desk lamp' },
  { id: 'p2', name: 'Reading chair' },
];
const REVIEWS: Record<string, { stars: number; body: string; moderated?: boolean }[]> = {
  p1: [{ stars: 5, body: 'Bright and warm' }],
  p2: [
    { stars: 2, body: 'Wobbly', moderated: true },
    { stars: 4, body: 'Comfortable' },
  ],
};

const productInfo: FixtureDefinition = {
  name: 'product-info',
  typeDefs: `${FEDERATION}
    type Query { product(id: ID!): Product  products: [Product!]! }
    type Product @key(fields: "id") { id: ID! name: String! }`,
  resolvers: {
    Query: {
      product: (_: unknown, { id }: { id: string }) => PRODUCTS.find((p) => p.id === id) ?? null,
      products: () => PRODUCTS,
    },
    Product: { __resolveReference: ({ id }: { id: string }) => PRODUCTS.find((p) => p.id === id) ?? null },
  },
};
const productReviews: FixtureDefinition = {
  name: 'product-reviews',
  typeDefs: `${FEDERATION}
    type Product @key(fields: "id") { id: ID! reviews: [Review!]! }
    type Review { stars: Int! body: String }`,
  resolvers: {
    Product: {
      __resolveReference: ({ id }: { id: string }) => ({ id }),
      reviews: ({ id }: { id: string }) => REVIEWS[id] ?? [],
    },
    Review: {
      body: (review: { body: string; moderated?: boolean }) => {
        if (review.moderated)
          throw new GraphQLError('This review is being moderated', { extensions: { code: 'FORBIDDEN' } });
        return review.body;
      },
    },
  },
};

const SECRET = 'fixture-signing-secret-0123456789abcdef';
const JOIN = '{ product(id: "p1") { id name reviews { stars body } } }';

let signedInfo: FixtureSubgraph;
let plainInfo: FixtureSubgraph;
let reviews: FixtureSubgraph;
let dir: string;
let env: Record<string, string>;
let gateway: Gateway;
let url: string;
let stock: { server: ApolloServer; url: string };
const logLines: { level: string; msg: string }[] = [];

beforeAll(async () => {
  // product-info twice: the copy Polystore's gateway calls checks its signature; stock's cannot sign
  signedInfo = await serveFixture(productInfo, { signingSecret: SECRET });
  plainInfo = await serveFixture(productInfo);
  reviews = await serveFixture(productReviews);
  const supergraph = composeFixture([
    { definition: productInfo, url: plainInfo.url },
    { definition: productReviews, url: reviews.url },
  ]);
  dir = mkdtempSync(path.join(os.tmpdir(), 'polystore-foreign-'));
  writeFileSync(path.join(dir, 'supergraph.graphql'), supergraph);
  env = {
    NODE_ENV: 'development',
    LOG_LEVEL: 'info',
    SUPERGRAPH_PATH: path.join(dir, 'supergraph.graphql'),
    // the rule: `product-info` → PRODUCT_INFO_*
    PRODUCT_INFO_URL: signedInfo.url,
    PRODUCT_INFO_SIGNING_SECRET: SECRET,
    SIGNED_SUBGRAPHS: 'product-info',
  };
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) logLines.push(JSON.parse(line));
      done();
    },
  });
  gateway = await createGateway(loadGatewayConfig(env), {
    logger: pino({ level: 'info', formatters: { level: (label) => ({ level: label }) } }, sink),
  });
  url = `http://127.0.0.1:${(await gateway.listen(0, '127.0.0.1')).port}/graphql`;

  const server = new ApolloServer({ gateway: new ApolloGateway({ supergraphSdl: supergraph }) });
  const started = await startStandaloneServer(server, { listen: { port: 0, host: '127.0.0.1' } });
  stock = { server, url: started.url };
});

afterAll(async () => {
  await gateway?.stop();
  await stock?.server.stop();
  await Promise.all([signedInfo, plainInfo, reviews].map((s) => s?.close()));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A response without the stack traces a development server adds (they name its own files). */
function withoutStacks(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutStacks);
  if (!value || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key]) => key !== 'stacktrace')
      .map(([key, v]) => [key, withoutStacks(v)]),
  );
}

describe('on a supergraph with hyphenated subgraph names and no accounts subgraph', () => {
  it('answers a query joining both subgraphs, signing only the one configured as signed', async () => {
    const signedBefore = signedInfo.received.length;
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: JOIN }),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      data: { product: { id: 'p1', name: 'Desk lamp', reviews: [{ stars: 5, body: 'Bright and warm' }] } },
    });
    // sessions are off: no cookie, as from a stock gateway
    expect(response.headers.getSetCookie()).toEqual([]);
    // PRODUCT_INFO_URL was used, and its requests verified; the unsigned subgraph got no identity
    expect(signedInfo.received.length).toBeGreaterThan(signedBefore);
    expect(signedInfo.refused()).toBe(0);
    expect(reviews.received.filter((r) => r.query.includes('_entities')).length).toBeGreaterThan(0);
    expect(reviews.received.filter((r) => r.identity)).toEqual([]);
  });

  it('answers every operation exactly as stock @apollo/gateway does', async () => {
    const operations: [string, Record<string, unknown>?][] = [
      [JOIN],
      ['{ products { name reviews { stars body } } }'], // a field error in one subgraph, with its path
      ['{ product(id: "nope") { name reviews { stars } } }'], // no such entity
      ['query Named($id: ID!) { first: product(id: $id) { name } __typename }', { id: 'p2' }],
      ['{ product(id: "p1") { nmae } }'], // validation, with the suggestion development gives
      ['{ product(id: "p1") { name }'], // a syntax error
    ];
    for (const [query, variables] of operations) {
      const [ours, theirs] = await Promise.all([gql(url, query, variables), gql(stock.url, query, variables)]);
      expect({ query, answer: withoutStacks(ours) }).toEqual({ query, answer: withoutStacks(theirs) });
    }
  });

  it('reports each subgraph in /readyz, probed with a { __typename } any subgraph answers, and no Redis', async () => {
    const ready = await fetch(url.replace(/\/graphql$/, '/readyz'));
    const report = (await ready.json()) as { checks: Record<string, { ok: boolean }> };
    expect(ready.status).toBe(200);
    expect(report.checks).toEqual({
      'product-info': expect.objectContaining({ ok: true }),
      'product-reviews': expect.objectContaining({ ok: true }),
      accepting: expect.objectContaining({ ok: true }),
    });
    expect(signedInfo.received.some((r) => r.query === '{ __typename }')).toBe(true);
    expect(reviews.received.some((r) => r.query === '{ __typename }')).toBe(true);
    expect(signedInfo.refused()).toBe(0);
  });

  it('runs without Redis in development, says so at start-up, and keeps APQ and rate limits in this process', async () => {
    expect(logLines).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        msg: expect.stringMatching(/GATEWAY_REDIS_URL is not set.*this process/),
      }),
    );
    expect(logLines).toContainEqual(
      expect.objectContaining({ level: 'info', msg: expect.stringMatching(/sessions are off/) }),
    );

    const query = '{ products { id } }';
    const extensions = { persistedQuery: { version: 1, sha256Hash: sha256(query) } };
    const send = (body: object) =>
      fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then(
        (r) => r.json() as Promise<{ data?: unknown; errors?: { extensions?: { code?: string } }[] }>,
      );
    expect((await send({ extensions })).errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_NOT_FOUND');
    expect((await send({ query, extensions })).data).toEqual({ products: [{ id: 'p1' }, { id: 'p2' }] });
    expect((await send({ extensions })).data).toEqual({ products: [{ id: 'p1' }, { id: 'p2' }] });

    const limited = await createGateway(loadGatewayConfig({ ...env, LOG_LEVEL: 'silent', RATE_LIMIT_POINTS: '3' }));
    try {
      const limitedUrl = `http://127.0.0.1:${(await limited.listen(0, '127.0.0.1')).port}/graphql`;
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) statuses.push((await gql(limitedUrl, '{ __typename }')).status);
      expect(statuses).toEqual([200, 200, 200, 429, 429]);
    } finally {
      await limited.stop();
    }
  });

  it('refuses to start in production without Redis, or with a signed subgraph lacking its secret', () => {
    const production: Record<string, string> = {
      ...env,
      NODE_ENV: 'production',
      GATEWAY_REDIS_URL: 'redis://gateway:secret@127.0.0.1:6379',
    };
    const problems = (settings: Record<string, string>) => {
      try {
        loadGatewayConfig(settings);
        return [];
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        return error.problems;
      }
    };
    expect(problems(production)).toEqual([]);
    const { GATEWAY_REDIS_URL: _noRedis, ...withoutRedis } = production;
    expect(problems(withoutRedis)).toEqual([expect.stringMatching(/^GATEWAY_REDIS_URL: required in production/)]);
    const { PRODUCT_INFO_SIGNING_SECRET: _noSecret, ...withoutSecret } = production;
    expect(problems(withoutSecret)).toEqual([
      expect.stringMatching(
        /^PRODUCT_INFO_SIGNING_SECRET is not set, and SIGNED_SUBGRAPHS says .*"product-info" must be signed/,
      ),
    ]);
    // the default signs every subgraph: product-reviews has no secret either
    expect(problems({ ...production, SIGNED_SUBGRAPHS: 'all' })).toEqual([
      expect.stringMatching(/^PRODUCT_REVIEWS_SIGNING_SECRET is not set/),
    ]);
  });
});
