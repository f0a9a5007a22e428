import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { execute, parse } from 'graphql';
import { verifyRequest } from '@polystore/platform';
import { GitRepo } from '../../../test-support/git-repo';
import type { Finding, Report } from '../contracts/check';
import { compose } from '../compose-supergraph';
import { runSchemaCheck } from './index';
import { schemaCheckCli } from './main';

// Two fixture subgraphs, their supergraph and two operations, committed as `main` in a scratch
// repository; each test branches off, changes something, commits and runs the check against
// the merge-base with main (the default base).
const MANIFEST = {
  subgraphs: [
    { name: 'catalog', url: 'http://127.0.0.1:1/graphql' },
    { name: 'reviews', url: 'http://127.0.0.1:2/graphql' },
  ],
};
const CATALOG = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])

type Query {
  product(id: ID!): Product
  products(first: Int = 10, category: String): [Product!]!
}

type Product @key(fields: "id") {
  id: ID!
  name: String!
  price: Int!
  legacyCode: String
}
`;
const REVIEWS = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])

type Product @key(fields: "id") {
  id: ID!
  reviews: [Review!]!
}

type Review {
  id: ID!
  body: String!
  rating: Int!
}
`;
const OPERATIONS = `query ProductPage($id: ID!) {
  product(id: $id) { id name price reviews { body rating } }
}

query Listing {
  products(first: 10, category: "lamps") { id name }
}
`;

const repo = new GitRepo();
const secrets = { CATALOG_SIGNING_SECRET: 'c'.repeat(32), REVIEWS_SIGNING_SECRET: 'r'.repeat(32) };

function recompose(): void {
  const result = compose(
    { catalog: repo.read('schema/catalog.graphql'), reviews: repo.read('schema/reviews.graphql') },
    MANIFEST,
  );
  if (!result.ok) throw new Error(result.errors.join('\n'));
  repo.write('schema/supergraph.graphql', result.supergraphSdl);
}

beforeAll(() => {
  repo
    .write('schema/subgraphs.json', JSON.stringify(MANIFEST, null, 2))
    .write('schema/catalog.graphql', CATALOG)
    .write('schema/reviews.graphql', REVIEWS)
    .write('schema/operations/shop.graphql', OPERATIONS);
  recompose();
  repo.commit('base');
});
afterAll(() => repo.dispose());

let branch = 0;
beforeEach(() => repo.branch(`change-${++branch}`));

async function check(options: { env?: Record<string, string>; live?: boolean; urls?: Record<string, string> } = {}) {
  return runSchemaCheck({ root: repo.root, env: { ...secrets, ...options.env }, ...options });
}
const verdicts = (report: Report) => Object.fromEntries(report.checks.map((c) => [c.name, c.verdict]));
const errors = (report: Report, name: string): Finding[] =>
  report.checks.find((c) => c.name === name)!.findings.filter((f) => f.severity === 'error');
const result = (report: Report, name: string) => report.checks.find((c) => c.name === name)!;

describe('schema:check', () => {
  it('passes a safe change (a new optional field), listing it as safe, and skips what does not apply', async () => {
    repo.edit('schema/catalog.graphql', '  legacyCode: String\n', '  legacyCode: String\n  description: String\n');
    recompose();
    repo.commit('add Product.description');
    const report = await check();
    expect(report.verdict).toBe('pass');
    expect(verdicts(report)).toEqual({
      composition: 'pass',
      supergraph: 'pass',
      'api-diff': 'pass',
      operations: 'pass',
      live: 'skip',
      events: 'skip',
    });
    expect(result(report, 'api-diff').findings).toEqual([
      expect.objectContaining({ severity: 'info', kind: 'FIELD_ADDED', element: 'Product.description' }),
    ]);
    expect(result(report, 'api-diff').summary).toMatch(
      /merge-base with main@[0-9a-f]{7}: 0 breaking, 0 dangerous, 1 safe/,
    );
    expect(result(report, 'events').skipped).toBe('no schema/events/ yet');
    expect(result(report, 'operations').findings.map((f) => [f.element, f.kind])).toEqual([
      ['ProductPage (schema/operations/shop.graphql)', 'COST'],
      ['Listing (schema/operations/shop.graphql)', 'COST'],
    ]);
  });

  it('fails a removed field that an operation uses, naming the field and the operation', async () => {
    repo.edit('schema/catalog.graphql', '  price: Int!\n', '');
    recompose();
    repo.commit('remove Product.price');
    const report = await check();
    expect(report.verdict).toBe('fail');
    expect(errors(report, 'api-diff')).toEqual([
      expect.objectContaining({
        kind: 'FIELD_REMOVED',
        element: 'Product.price',
        message: expect.stringContaining('used by ProductPage (schema/operations/shop.graphql)'),
      }),
    ]);
    expect(errors(report, 'operations')).toEqual([
      expect.objectContaining({
        kind: 'INVALID_OPERATION',
        element: 'ProductPage (schema/operations/shop.graphql)',
        message: expect.stringContaining('Cannot query field "price" on type "Product"'),
      }),
    ]);
  });

  it('fails a retyped argument that an operation passes', async () => {
    repo.edit('schema/catalog.graphql', 'category: String)', 'category: Int)');
    recompose();
    repo.commit('retype category');
    const report = await check();
    expect(errors(report, 'api-diff')).toEqual([
      expect.objectContaining({
        kind: 'FIELD_ARGUMENT_TYPE_CHANGED',
        element: 'Query.products.category',
        message: expect.stringContaining('used by Listing'),
      }),
    ]);
  });

  it('fails a new non-null argument on a field an operation selects', async () => {
    repo.edit('schema/catalog.graphql', 'category: String)', 'category: String, currency: String!)');
    recompose();
    repo.commit('require currency');
    const report = await check();
    expect(errors(report, 'api-diff')).toEqual([
      expect.objectContaining({
        kind: 'FIELD_ARGUMENT_ADDED',
        element: 'Query.products.currency',
        message: expect.stringContaining('used by Listing'),
      }),
    ]);
    expect(errors(report, 'operations').map((f) => f.element)).toEqual(['Listing (schema/operations/shop.graphql)']);
  });

  it('requires an acknowledgement for a breaking change no operation uses, and passes with one', async () => {
    repo.edit('schema/catalog.graphql', '  legacyCode: String\n', '');
    recompose();
    repo.commit('remove Product.legacyCode');
    const unacknowledged = await check();
    expect(errors(unacknowledged, 'api-diff')).toEqual([
      expect.objectContaining({
        kind: 'FIELD_REMOVED',
        element: 'Product.legacyCode',
        message: expect.stringContaining('"Product.legacyCode <reason>" in schema/changes.acknowledged'),
      }),
    ]);

    repo.write(
      'schema/changes.acknowledged',
      '# <element path> <reason>\nProduct.legacyCode no client has read it since the storefront moved to sku\n',
    );
    repo.commit('acknowledge');
    const acknowledged = await check();
    expect(acknowledged.verdict).toBe('pass');
    expect(result(acknowledged, 'api-diff').findings).toEqual([
      expect.objectContaining({
        severity: 'warning',
        element: 'Product.legacyCode',
        message: expect.stringContaining('acknowledged (schema/changes.acknowledged:2: no client has read it'),
      }),
    ]);
  });

  it('refuses an acknowledgement without a reason', async () => {
    repo.write('schema/changes.acknowledged', 'Product.legacyCode\n').commit('bad ack');
    const report = await check();
    expect(errors(report, 'api-diff')).toEqual([
      expect.objectContaining({ kind: 'INVALID_ACKNOWLEDGEMENT', element: 'schema/changes.acknowledged:1' }),
    ]);
  });

  it('fails a composition conflict, naming both subgraphs, the element and the message', async () => {
    repo.edit(
      'schema/reviews.graphql',
      '  rating: Int!\n}',
      '  rating: Int!\n}\n\ntype Query {\n  product(id: ID!): Review\n}',
    );
    repo.commit('conflicting Query.product');
    const report = await check();
    expect(verdicts(report)).toMatchObject({
      composition: 'fail',
      supergraph: 'skip',
      'api-diff': 'skip',
      operations: 'skip',
    });
    expect(errors(report, 'composition')).toContainEqual(
      expect.objectContaining({
        kind: 'FIELD_TYPE_MISMATCH',
        element: '[catalog, reviews] Query.product',
        message: expect.stringMatching(/Type of field "Query.product" is incompatible across subgraphs/),
      }),
    );
    // (the composer also says the field is not shareable; every error names both subgraphs)
    expect(new Set(errors(report, 'composition').map((f) => f.element))).toEqual(
      new Set(['[catalog, reviews] Query.product']),
    );
  });

  it('fails when the committed supergraph is not what the subgraphs compose to', async () => {
    repo.edit('schema/catalog.graphql', '  legacyCode: String\n', '  legacyCode: String\n  description: String\n');
    repo.commit('forgot npm run compose');
    const report = await check();
    expect(errors(report, 'supergraph')).toEqual([
      expect.objectContaining({
        kind: 'STALE_SUPERGRAPH',
        element: 'schema/supergraph.graphql',
        detail: expect.stringContaining('+ composed:  '),
      }),
    ]);
  });

  it('fails an operation that is not valid against the new API schema', async () => {
    repo
      .write('schema/operations/extra.graphql', 'query Broken { product(id: "1") { id colour } }\n')
      .commit('broken op');
    const report = await check();
    expect(errors(report, 'operations')).toEqual([
      expect.objectContaining({
        kind: 'INVALID_OPERATION',
        element: 'Broken (schema/operations/extra.graphql)',
        message: 'Cannot query field "colour" on type "Product".',
      }),
    ]);
  });

  it('fails a change that pushes an operation past the gateway cost limit, with its cost and the base cost', async () => {
    const grown = OPERATIONS.replace(
      'products(first: 10, category: "lamps") { id name }',
      `products(first: 100, category: "lamps") { id name price legacyCode ${['r1', 'r2', 'r3', 'r4', 'r5'].map((a) => `${a}: reviews { id body rating }`).join(' ')} }`,
    );
    repo.write('schema/operations/shop.graphql', grown).commit('a bigger listing');
    const report = await check();
    expect(errors(report, 'operations')).toEqual([
      expect.objectContaining({
        kind: 'COST_LIMIT',
        element: 'Listing (schema/operations/shop.graphql)',
        message: expect.stringMatching(/^Query Cost limit of 5000 exceeded, found \d+/),
      }),
    ]);
    expect(result(report, 'operations').findings).toContainEqual(
      expect.objectContaining({ kind: 'COST', message: expect.stringMatching(/limit 5000, base \d+(\.\d)?$/) }),
    );
    // The limit is the gateway's, read from its configuration: raised, the same operation passes.
    expect((await check({ env: { MAX_COST: '100000' } })).verdict).toBe('pass');
  });

  describe('--live', () => {
    const servers: Server[] = [];
    afterAll(() => Promise.all(servers.map((s) => new Promise((r) => s.close(r)))));

    /** A subgraph serving `sdl`, answering only requests signed with its secret (as the real ones do). */
    async function serve(sdl: string, secret: string): Promise<string> {
      const schema = buildSubgraphSchema(parse(sdl));
      const server = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', async () => {
          const body = Buffer.concat(chunks);
          const verified = verifyRequest(
            secret,
            {
              timestamp: req.headers['x-polystore-timestamp'] as string,
              identity: req.headers['x-polystore-identity'] as string,
              signature: req.headers['x-polystore-signature'] as string,
            },
            body,
          );
          if (!verified.ok) {
            res.writeHead(401).end('{"errors":[{"message":"unsigned"}]}');
            return;
          }
          const { query } = JSON.parse(body.toString()) as { query: string };
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify(await execute({ schema, document: parse(query) })));
        });
      });
      servers.push(server);
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
    }

    it('passes when every subgraph serves its file, and fails naming the one whose served SDL differs', async () => {
      const urls = {
        catalog: await serve(CATALOG, secrets.CATALOG_SIGNING_SECRET),
        reviews: await serve(REVIEWS, secrets.REVIEWS_SIGNING_SECRET),
      };
      const matching = await check({ live: true, urls });
      expect(result(matching, 'live')).toMatchObject({ verdict: 'pass', findings: [] });

      const drifted = await serve(
        CATALOG.replace('  name: String!\n', '  name: String!\n  colour: String\n'),
        secrets.CATALOG_SIGNING_SECRET,
      );
      const report = await check({ live: true, urls: { ...urls, catalog: drifted } });
      expect(errors(report, 'live')).toEqual([
        expect.objectContaining({
          kind: 'SERVED_SDL_DIFFERS',
          element: 'catalog',
          message: `${drifted} serves an SDL that is not schema/catalog.graphql`,
          detail: 'object type Product: differs',
        }),
      ]);
    });

    it('fails a subgraph it cannot ask (wrong secret, or no URL), naming it', async () => {
      const url = await serve(REVIEWS, 'x'.repeat(32));
      const report = await check({ live: true, urls: { reviews: url } });
      expect(errors(report, 'live').map((f) => [f.element, f.kind])).toEqual([
        ['catalog', 'LIVE_UNCONFIGURED'],
        ['reviews', 'LIVE_UNREACHABLE'],
      ]);
      expect(errors(report, 'live')[1]!.message).toContain('HTTP 401');
    });
  });

  describe('event schemas', () => {
    const envelope = {
      type: 'object',
      required: ['id', 'type', 'version', 'data'],
      properties: {
        id: { type: 'string' },
        type: { type: 'string' },
        version: { type: 'integer' },
        data: { type: 'object' },
      },
    };
    const v1 = {
      type: 'object',
      required: ['productId', 'name', 'price'],
      properties: { productId: { type: 'string' }, name: { type: 'string' }, price: { type: 'integer' } },
    };

    function events(v2: object, usage: object): void {
      repo
        .write('schema/events/envelope.schema.json', JSON.stringify(envelope))
        .write('schema/events/ProductUpdated/v1.schema.json', JSON.stringify(v1))
        .write('schema/events/ProductUpdated/v2.schema.json', JSON.stringify(v2))
        .write('schema/events/usage.json', JSON.stringify(usage));
    }

    it('passes a compatible new version (an optional field, a required one with a default)', async () => {
      events(
        {
          ...v1,
          required: [...v1.required, 'currency'],
          properties: { ...v1.properties, currency: { type: 'string', default: 'EUR' }, tagline: { type: 'string' } },
        },
        { catalog: { publishes: ['ProductUpdated@2'] }, search: { consumes: ['ProductUpdated'] } },
      );
      repo.commit('compatible v2');
      const report = await check();
      expect(result(report, 'events')).toMatchObject({
        verdict: 'pass',
        summary: expect.stringMatching(/^1 event types, 2 versions, 2 uses/),
      });
    });

    it('fails an incompatible new version and an event type used without a schema, naming each', async () => {
      events(
        {
          type: 'object',
          required: ['productId', 'price', 'sku'],
          properties: { productId: { type: 'string' }, price: { type: 'string' }, sku: { type: 'string' } },
        },
        { catalog: { publishes: ['ProductUpdated@2'] }, orders: { consumes: ['OrderPlaced@1'] } },
      );
      repo.commit('incompatible v2');
      const report = await check();
      expect(errors(report, 'events').map((f) => [f.kind, f.element])).toEqual([
        ['REQUIRED_FIELD_REMOVED', 'ProductUpdated@2 name'],
        ['REQUIRED_FIELD_RETYPED', 'ProductUpdated@2 price'],
        ['NEW_REQUIRED_FIELD_WITHOUT_DEFAULT', 'ProductUpdated@2 sku'],
        ['MISSING_EVENT_SCHEMA', 'orders consumes OrderPlaced@1'],
      ]);
    });

    it('reads the flat layout (<Type>.v<N>.json) whose schemas $ref the envelope by $id inside allOf', async () => {
      const typed = (version: number, required: string[], properties: object) => ({
        $id: `polystore:events/ProductUpdated.v${version}`,
        allOf: [
          { $ref: 'polystore:events/envelope' },
          { type: 'object', properties: { data: { type: 'object', required, properties } } },
        ],
      });
      repo
        .write('schema/events/envelope.json', JSON.stringify({ ...envelope, $id: 'polystore:events/envelope' }))
        .write(
          'schema/events/ProductUpdated.v1.json',
          JSON.stringify(typed(1, ['sku', 'name'], { sku: { type: 'string' }, name: { type: 'string' } })),
        )
        .write('schema/events/ProductUpdated.v2.json', JSON.stringify(typed(2, ['sku'], { sku: { type: 'string' } })))
        .commit('flat layout');
      const report = await check();
      expect(errors(report, 'events').map((f) => [f.kind, f.element])).toEqual([
        ['REQUIRED_FIELD_REMOVED', 'ProductUpdated@2 data.name'],
      ]);
      expect(result(report, 'events').findings).toContainEqual(
        expect.objectContaining({ severity: 'info', kind: 'NO_EVENT_USAGE' }),
      );
    });

    it('skips, saying so, a folder that holds nothing it can read', async () => {
      repo.write('schema/events/README.md', 'soon\n').commit('placeholder');
      expect(result(await check(), 'events')).toMatchObject({
        verdict: 'skip',
        skipped: expect.stringContaining('holds no <Type>.v<N>.json this loader reads'),
      });
    });

    it('fails a published version changed in place incompatibly with the base', async () => {
      events(v1, { catalog: { publishes: ['ProductUpdated@1'] } });
      repo.remove('schema/events/ProductUpdated/v2.schema.json').commit('events at v1');
      repo.git('checkout', '-q', 'main');
      repo.git('merge', '-q', '--ff-only', `change-${branch}`);
      repo.branch(`change-${++branch}`);
      repo.write(
        'schema/events/ProductUpdated/v1.schema.json',
        JSON.stringify({ ...v1, required: ['productId', 'name'] }),
      );
      repo.commit('v1 edited');
      const report = await check();
      // undo the merge into main for the tests that follow
      repo.git('checkout', '-q', 'main');
      repo.git('reset', '-q', '--hard', 'HEAD~1');
      expect(errors(report, 'events')).toEqual([
        expect.objectContaining({
          kind: 'REQUIRED_FIELD_OPTIONAL',
          element: 'ProductUpdated@1 price',
          message: 'changed in place incompatibly with the base: required field price became optional',
        }),
      ]);
    });
  });

  describe('the command', () => {
    it('prints JSON with --json and exits 1 on a failure and 0 on a pass, and refuses an unknown check', async () => {
      repo.edit('schema/catalog.graphql', '  price: Int!\n', '').commit('stale supergraph');
      let out = '';
      const code = await schemaCheckCli(
        ['--root', repo.root, '--json', '--only', 'composition,supergraph'],
        (t) => (out += t),
      );
      expect(code).toBe(1);
      const json = JSON.parse(out) as Report;
      expect(json.checks.map((c) => [c.name, c.verdict])).toEqual([
        ['composition', 'pass'],
        ['supergraph', 'fail'],
      ]);

      out = '';
      expect(await schemaCheckCli(['--root', repo.root, '--only', 'composition'], (t) => (out += t))).toBe(0);
      expect(out).toMatch(
        /^PASS {2}subgraphs compose — 2 subgraphs \(catalog, reviews\)\nschema:check: PASS in \d+ ms\n$/,
      );
      await expect(schemaCheckCli(['--root', repo.root, '--only', 'nope'])).rejects.toThrow('unknown check nope');
    });

    it('compares with a file given by --base-file (a supergraph)', async () => {
      const baseFile = `${repo.root}/base-supergraph.graphql`;
      repo.write('base-supergraph.graphql', repo.read('schema/supergraph.graphql'));
      repo.edit('schema/catalog.graphql', '  legacyCode: String\n', '');
      recompose();
      repo.commit('remove legacyCode');
      let out = '';
      const code = await schemaCheckCli(
        ['--root', repo.root, '--base-file', baseFile, '--only', 'api-diff'],
        (t) => (out += t),
      );
      expect(code).toBe(1);
      expect(out).toContain('against base-supergraph.graphql: 1 breaking, 0 dangerous, 0 safe');
    });
  });
});
