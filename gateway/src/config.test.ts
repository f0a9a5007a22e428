import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError } from '@polystore/platform';
import { loadGatewayConfig } from './config';

// The gateway's configuration on supergraphs other than Polystore's: only the join__Graph enum
// matters to it, so each test writes one.
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'gateway-config-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function supergraph(...names: string[]): string {
  const file = path.join(dir, `${names.join('+') || 'none'}.graphql`);
  const values = names.map(
    (name, i) => `  G${i} @join__graph(name: "${name}", url: "http://127.0.0.1:${4100 + i}/graphql")`,
  );
  writeFileSync(file, `enum join__Graph {\n${values.join('\n')}\n}\n`);
  return file;
}

function problems(env: Record<string, string>): string[] {
  try {
    loadGatewayConfig(env);
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
}

const SECRET = 's'.repeat(32);

describe('sessions', () => {
  it('are with accounts by default', () => {
    const config = loadGatewayConfig({
      SUPERGRAPH_PATH: supergraph('accounts', 'catalog'),
      ACCOUNTS_SIGNING_SECRET: SECRET,
    });
    expect(config.sessions).toMatchObject({ name: 'accounts', url: 'http://127.0.0.1:4100/graphql' });
  });

  it('are off when the supergraph has no accounts subgraph, or SESSIONS_SUBGRAPH=off', () => {
    expect(loadGatewayConfig({ SUPERGRAPH_PATH: supergraph('node-one', 'node-two') }).sessions).toBeUndefined();
    expect(
      loadGatewayConfig({ SUPERGRAPH_PATH: supergraph('accounts'), SESSIONS_SUBGRAPH: 'off' }).sessions,
    ).toBeUndefined();
  });

  it('go to the subgraph SESSIONS_SUBGRAPH names, which must exist and have its secret', () => {
    const file = supergraph('auth-service', 'shop');
    expect(
      loadGatewayConfig({
        SUPERGRAPH_PATH: file,
        SESSIONS_SUBGRAPH: 'auth-service',
        AUTH_SERVICE_SIGNING_SECRET: SECRET,
      }).sessions,
    ).toMatchObject({ name: 'auth-service' });
    expect(problems({ SUPERGRAPH_PATH: file, SESSIONS_SUBGRAPH: 'accounts' })).toEqual([
      'SESSIONS_SUBGRAPH: the supergraph has no subgraph "accounts"',
    ]);
    expect(problems({ SUPERGRAPH_PATH: file, SESSIONS_SUBGRAPH: 'auth-service' })).toEqual([
      expect.stringMatching(/^AUTH_SERVICE_SIGNING_SECRET: sessions need it/),
    ]);
  });
});

describe('in production', () => {
  it('requires the gateway’s Redis and every signed subgraph’s secret, listing every problem at once', () => {
    expect(problems({ NODE_ENV: 'production', SUPERGRAPH_PATH: supergraph('node-one', 'node-two') })).toEqual([
      expect.stringMatching(/^NODE_ONE_SIGNING_SECRET is not set/),
      expect.stringMatching(/^NODE_TWO_SIGNING_SECRET is not set/),
      expect.stringMatching(/^GATEWAY_REDIS_URL: required in production/),
    ]);
  });

  it('refuses a supergraph it cannot read', () => {
    expect(problems({ SUPERGRAPH_PATH: path.join(dir, 'missing.graphql') })).toEqual([
      expect.stringMatching(/^SUPERGRAPH_PATH: cannot read/),
    ]);
  });
});
