import { loadGatewayConfig } from './config';
import { explorerEnabled, subgraphClientSettings } from './resilience-config';

// What every gateway configuration needs besides the settings under test (production: every secret).
const secrets = {
  ...Object.fromEntries(
    ['ACCOUNTS', 'CATALOG', 'CART', 'ORDERS', 'PAYMENTS', 'SEARCH'].map((s) => [
      `${s}_SIGNING_SECRET`,
      `${s}`.padEnd(32, '-'),
    ]),
  ),
  GATEWAY_REDIS_URL: 'redis://gateway:secret@127.0.0.1:6379',
  COOKIE_SECURE: 'true',
};

describe('subgraph client settings', () => {
  it('take a per-subgraph timeout over the default one', () => {
    const config = loadGatewayConfig({
      ...secrets,
      SUBGRAPH_TIMEOUT_MS: '3000',
      SUBGRAPH_TIMEOUTS: 'orders=10000, payments=15000',
    });
    expect(subgraphClientSettings(config, 'orders').timeoutMs).toBe(10_000);
    expect(subgraphClientSettings(config, 'catalog')).toEqual({
      timeoutMs: 3000,
      retries: 2,
      connections: 32,
      breaker: { errorThresholdPercentage: 50, volumeThreshold: 10, resetTimeoutMs: 5000 },
    });
  });

  it('refuse a malformed per-subgraph timeout, naming the variable', () => {
    expect(() => loadGatewayConfig({ ...secrets, SUBGRAPH_TIMEOUTS: 'orders=soon' })).toThrow(
      /SUBGRAPH_TIMEOUTS: "orders=soon"/,
    );
    expect(() => loadGatewayConfig({ ...secrets, SUBGRAPH_RETRIES: '9' })).toThrow(/SUBGRAPH_RETRIES/);
  });
});

describe('the explorer', () => {
  it.each([
    [{ NODE_ENV: 'development' }, true],
    [{ NODE_ENV: 'test' }, true],
    [{ NODE_ENV: 'development', EXPLORER: 'false' }, false],
    [{ NODE_ENV: 'production' }, false],
    [{ NODE_ENV: 'production', EXPLORER: 'true' }, false],
  ])('with %j is served: %s', (env, served) => {
    expect(explorerEnabled(loadGatewayConfig({ ...secrets, ...env }))).toBe(served);
  });
});
