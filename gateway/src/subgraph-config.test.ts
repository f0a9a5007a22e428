import { subgraphEnvPrefix, subgraphSettings, type SubgraphSettingsOptions } from './subgraph-config';

const declared = [
  { name: 'node-two', url: 'http://127.0.0.1:4011/graphql' },
  { name: 'inventory', url: 'http://127.0.0.1:4012/graphql' },
];
const secret = (c: string) => c.repeat(32);
const development: SubgraphSettingsOptions = { production: false, signed: 'all', readiness: 'graphql' };
const production: SubgraphSettingsOptions = { ...development, production: true };

describe('a subgraph’s variables', () => {
  it.each([
    ['node-two', 'NODE_TWO'],
    ['accounts', 'ACCOUNTS'],
    ['Product.Reviews v2', 'PRODUCT_REVIEWS_V2'],
    ['-edge--case-', 'EDGE_CASE'],
  ])('%s → %s_*', (name, prefix) => {
    expect(subgraphEnvPrefix(name)).toBe(prefix);
  });

  it('are read by that rule: URL, signing secret, readiness', () => {
    const { subgraphs, problems } = subgraphSettings(
      declared,
      {
        NODE_TWO_URL: 'http://127.0.0.1:5000/graphql',
        NODE_TWO_SIGNING_SECRET: secret('n'),
        NODE_TWO_READINESS: 'http://127.0.0.1:5000/health',
        INVENTORY_SIGNING_SECRET: secret('i'),
        INVENTORY_READINESS: 'off',
      },
      production,
    );
    expect(problems).toEqual([]);
    expect(subgraphs).toEqual([
      {
        name: 'node-two',
        envPrefix: 'NODE_TWO',
        url: 'http://127.0.0.1:5000/graphql',
        signingSecret: secret('n'),
        mustSign: true,
        readiness: { kind: 'url', url: 'http://127.0.0.1:5000/health' },
      },
      {
        name: 'inventory',
        envPrefix: 'INVENTORY',
        url: 'http://127.0.0.1:4012/graphql',
        signingSecret: secret('i'),
        mustSign: true,
        readiness: { kind: 'off' },
      },
    ]);
  });

  it('refuse two subgraphs that map to the same variables', () => {
    const { problems } = subgraphSettings(
      [...declared, { name: 'node_two', url: 'http://x/graphql' }],
      {},
      development,
    );
    expect(problems).toEqual([
      expect.stringMatching(/"node-two" and "node_two" map to the same variables \(NODE_TWO_\*\)/),
    ]);
  });

  it('refuse a secret shorter than 32 characters, a URL that is not http(s), a readiness that is none of the three', () => {
    const { problems } = subgraphSettings(
      declared,
      { NODE_TWO_SIGNING_SECRET: 'short', INVENTORY_URL: 'ftp://x', INVENTORY_READINESS: 'sometimes' },
      { ...development, signed: 'none' },
    );
    expect(problems).toEqual([
      'NODE_TWO_SIGNING_SECRET: must be at least 32 characters',
      expect.stringMatching(/^INVENTORY_URL: subgraph "inventory" needs an http\(s\) URL/),
      'INVENTORY_READINESS: must be graphql, off or an http(s) URL',
    ]);
  });
});

describe('SIGNED_SUBGRAPHS', () => {
  it('all (the default): production refuses every subgraph without a secret, development warns', () => {
    const env = { NODE_TWO_SIGNING_SECRET: secret('n') };
    expect(subgraphSettings(declared, env, production).problems).toEqual([
      expect.stringMatching(/^INVENTORY_SIGNING_SECRET is not set, and SIGNED_SUBGRAPHS says requests to "inventory"/),
    ]);
    const inDevelopment = subgraphSettings(declared, env, development);
    expect(inDevelopment.problems).toEqual([]);
    expect(inDevelopment.warnings).toEqual([
      expect.stringMatching(/^INVENTORY_SIGNING_SECRET .*sending them unsigned/),
    ]);
  });

  it('a list: only those must be signed; one with a secret is signed anyway', () => {
    const { subgraphs, problems } = subgraphSettings(
      declared,
      { NODE_TWO_SIGNING_SECRET: secret('n') },
      { ...production, signed: 'node-two' },
    );
    expect(problems).toEqual([]);
    expect(subgraphs.map((s) => [s.name, s.mustSign, Boolean(s.signingSecret)])).toEqual([
      ['node-two', true, true],
      ['inventory', false, false],
    ]);
    expect(
      subgraphSettings(declared, { INVENTORY_SIGNING_SECRET: secret('i') }, { ...production, signed: 'none' })
        .subgraphs[1],
    ).toMatchObject({ name: 'inventory', mustSign: false, signingSecret: secret('i') });
  });

  it('refuses a name the supergraph does not have', () => {
    expect(subgraphSettings(declared, {}, { ...development, signed: 'node-two, nodetwo' }).problems).toEqual([
      'SIGNED_SUBGRAPHS: the supergraph has no subgraph "nodetwo"',
    ]);
  });
});
