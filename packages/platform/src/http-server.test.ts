import { baseEnv, ConfigError, loadConfig } from './config';
import { createHttpApp, type HttpApp, metricsPortFor } from './http-server';
import { createMetrics } from './metrics';

// The HTTP shell every service (gateway and subgraphs) listens with. /metrics names every subgraph
// and counts its errors: it is served on a port of its own, loopback by default, never on the
// client port, where /healthz and /readyz stay for load balancers.

const running: HttpApp[] = [];

/** A shell configured as a service's environment would configure it. */
async function listening(env: Record<string, string>, host = '127.0.0.1') {
  const config = loadConfig('svc', baseEnv, env);
  const metrics = createMetrics('svc');
  const http = createHttpApp({ metrics, readiness: { store: async () => 'ok' }, config });
  running.push(http);
  const client = await http.listen(0, host);
  return { http, client: `http://127.0.0.1:${client.port}`, metricsUrl: http.metricsUrl() };
}

afterEach(async () => {
  for (const http of running.splice(0)) {
    await new Promise((resolve) => http.server.close(resolve));
    await http.closeMetrics();
  }
});

describe.each(['development', 'test', 'production'])('in %s mode', (NODE_ENV) => {
  it('answers 404 for /metrics on the client port, which keeps /healthz and /readyz', async () => {
    const { client } = await listening({ NODE_ENV });
    expect((await fetch(`${client}/metrics`)).status).toBe(404);
    expect((await fetch(`${client}/healthz`)).status).toBe(200);
    expect((await fetch(`${client}/readyz`)).status).toBe(200);
  });

  it('serves Prometheus metrics on the metrics port, bound to 127.0.0.1 even when the client port is not', async () => {
    const { http, metricsUrl } = await listening({ NODE_ENV }, '0.0.0.0');
    expect(http.server.address()).toMatchObject({ address: '0.0.0.0' });
    expect(http.metricsAddress()).toMatchObject({ address: '127.0.0.1' });
    const response = await fetch(metricsUrl);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(await response.text()).toMatch(/^process_cpu_seconds_total/m);
    expect((await fetch(new URL('/healthz', metricsUrl))).status).toBe(404);
  });
});

describe('the metrics port', () => {
  it('is METRICS_PORT, else the client port + 5400; a client port of 0 gives a free one', () => {
    expect([4000, 4001, 4006].map((port) => metricsPortFor(port))).toEqual([9400, 9401, 9406]);
    expect(metricsPortFor(4000, 9100)).toBe(9100);
    expect(metricsPortFor(4000, 0)).toBe(0);
    expect(metricsPortFor(0)).toBe(0);
    expect(() => metricsPortFor(61_000)).toThrow(/METRICS_PORT/);
  });

  it('listens where METRICS_HOST and METRICS_PORT say', async () => {
    const { http } = await listening({ METRICS_HOST: '127.0.0.2', METRICS_PORT: '0' });
    expect(http.metricsAddress()).toMatchObject({ address: '127.0.0.2' });
  });

  it('keeps listening when the client port is closed and listened on again', async () => {
    const { http, metricsUrl } = await listening({});
    const { port } = http.server.address() as { port: number };
    await new Promise((resolve) => http.server.close(resolve));
    await http.listen(port, '127.0.0.1');
    expect(http.metricsUrl()).toBe(metricsUrl);
    expect((await fetch(metricsUrl)).status).toBe(200);
  });

  it('answers only the bearer token when METRICS_TOKEN is set', async () => {
    const token = 'metrics-token-0123456789abcdefghijklmnop';
    const { metricsUrl } = await listening({ METRICS_TOKEN: token });
    const refused = await fetch(metricsUrl);
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toBe('Bearer realm="metrics"');
    expect((await fetch(metricsUrl, { headers: { authorization: `Bearer ${token}x` } })).status).toBe(401);
    expect((await fetch(metricsUrl, { headers: { authorization: token } })).status).toBe(401);
    const allowed = await fetch(metricsUrl, { headers: { authorization: `Bearer ${token}` } });
    expect(allowed.status).toBe(200);
    expect(await allowed.text()).toMatch(/^process_cpu_seconds_total/m);
  });
});

describe('metrics settings', () => {
  it('default to loopback, with no token', () => {
    const config = loadConfig('svc', baseEnv, {});
    expect([config.METRICS_HOST, config.METRICS_PORT, config.METRICS_TOKEN]).toEqual([
      '127.0.0.1',
      undefined,
      undefined,
    ]);
    expect(loadConfig('svc', baseEnv, { METRICS_PORT: '' }).METRICS_PORT).toBeUndefined();
  });

  it('refuse, in production, a metrics port off loopback without a token', () => {
    const offLoopback = { NODE_ENV: 'production', METRICS_HOST: '0.0.0.0' };
    expect(() => loadConfig('svc', baseEnv, offLoopback)).toThrow(ConfigError);
    expect(() => loadConfig('svc', baseEnv, offLoopback)).toThrow(/METRICS_TOKEN: required in production/);
    const token = 'metrics-token-0123456789abcdefghijklmnop';
    expect(loadConfig('svc', baseEnv, { ...offLoopback, METRICS_TOKEN: token })).toMatchObject(offLoopback);
    expect(loadConfig('svc', baseEnv, { METRICS_HOST: '0.0.0.0' })).toMatchObject({ METRICS_HOST: '0.0.0.0' });
    expect(() => loadConfig('svc', baseEnv, { METRICS_TOKEN: 'short' })).toThrow(/METRICS_TOKEN: must be at least 32/);
  });
});
