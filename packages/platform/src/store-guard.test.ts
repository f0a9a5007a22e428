import { pino } from 'pino';
import { Writable } from 'node:stream';
import { checkReadiness } from './health';
import { counterValue, createMetrics } from './metrics';
import { StoreGuard } from './store-guard';

class Unreachable extends Error {
  override name = 'Unreachable';
}

/** A guard over a fake store whose probe answers as told, with its log lines collected. */
function setUp(options: { optional?: boolean } = {}) {
  const lines: { level: number; msg: string; suppressed?: number; store?: string; refused?: number }[] = [];
  const logger = pino(
    { level: 'debug' },
    new Writable({
      write(chunk, _encoding, done) {
        lines.push(JSON.parse(String(chunk)));
        done();
      },
    }),
  );
  let clock = 1_000_000;
  const probe = { answers: false, calls: 0 };
  const metrics = createMetrics('test');
  const guard = new StoreGuard({
    store: 'postgres',
    isUnavailable: (error) => error instanceof Unreachable,
    probe: async () => {
      probe.calls++;
      if (!probe.answers) throw new Unreachable('still refused');
    },
    logger,
    metrics,
    probeEveryMs: 5,
    now: () => clock,
    ...options,
  });
  const tick = (ms: number) => (clock += ms);
  return { guard, lines, probe, metrics, tick };
}

const until = async (check: () => boolean) => {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(check()).toBe(true);
};

describe('StoreGuard', () => {
  it("lets the caller's own errors through and stays available", async () => {
    const { guard } = setUp();
    const conflict = new Error('duplicate key');
    await expect(guard.run(() => Promise.reject(conflict))).rejects.toBe(conflict);
    expect(guard.available).toBe(true);
    await expect(guard.run(async () => 42)).resolves.toBe(42);
  });

  it('turns the first unreachable error into SERVICE_UNAVAILABLE and refuses later calls without making them', async () => {
    const { guard, metrics } = setUp();
    guard.close(); // no probing: the store stays down for this test
    await expect(guard.run(() => Promise.reject(new Unreachable('ECONNREFUSED')))).rejects.toMatchObject({
      extensions: { code: 'SERVICE_UNAVAILABLE' },
      message: expect.not.stringContaining('postgres'),
    });
    expect(guard.available).toBe(false);
    let made = 0;
    for (let i = 0; i < 3; i++) {
      await expect(guard.run(async () => made++)).rejects.toMatchObject({
        extensions: { code: 'SERVICE_UNAVAILABLE' },
      });
    }
    expect(made).toBe(0);
    expect(await counterValue(metrics.registry, 'store_refused_total', { store: 'postgres' })).toBe(3);
  });

  it('probes while the store is down and lets calls through again once it answers', async () => {
    const { guard, probe, metrics } = setUp();
    guard.markDown(new Unreachable('connection closed'));
    await until(() => probe.calls >= 3);
    expect(guard.available).toBe(false);
    const gauge = async () => (await metrics.registry.getSingleMetricAsString('store_available')).split('\n').at(-1);
    expect(await gauge()).toMatch(/store="postgres".* 0$/);
    probe.answers = true;
    await until(() => guard.available);
    await expect(guard.run(async () => 'ok')).resolves.toBe('ok');
    expect(await gauge()).toMatch(/store="postgres".* 1$/);
    const callsWhenUp = probe.calls;
    await new Promise((r) => setTimeout(r, 30));
    expect(probe.calls).toBe(callsWhenUp); // no probing while it answers
  });

  it('logs the outage once when it starts and once when it ends, and at most every 10 s in between', async () => {
    const { guard, lines, probe, tick } = setUp();
    for (let i = 0; i < 50; i++) await guard.run(() => Promise.reject(new Unreachable('refused'))).catch(() => {});
    for (let i = 0; i < 50; i++) guard.markDown(new Unreachable('refused'));
    tick(10_001);
    guard.markDown(new Unreachable('refused'));
    probe.answers = true;
    await until(() => guard.available);
    // the first failed call marks it down; the 49 after it are refused, never made (counted when it ends)
    expect(lines.map((l) => [l.msg, l.suppressed])).toEqual([
      ['postgres unavailable: its calls are refused (SERVICE_UNAVAILABLE) until it answers again', undefined],
      ['postgres still unavailable', undefined],
      ['postgres still unavailable', 49],
      ['postgres available again', undefined],
    ]);
    expect(lines.at(-1)).toMatchObject({ store: 'postgres', refused: 49, downMs: 10_001 });
  });

  it('fails its readiness check at once while down; an optional store only degrades readiness', async () => {
    const required = setUp();
    const cache = setUp({ optional: true });
    for (const { guard } of [required, cache]) {
      guard.close();
      guard.markDown(new Unreachable('refused'));
    }
    const report = await checkReadiness({
      postgres: required.guard.readiness(),
      cache: cache.guard.readiness(),
    });
    expect(report).toMatchObject({
      ready: false,
      status: 'unavailable',
      checks: { postgres: { ok: false }, cache: { ok: false, optional: true } },
    });
    expect(report.checks['postgres']!.error).toContain('refused');
    expect(required.probe.calls + cache.probe.calls).toBe(0);
    const onlyCache = await checkReadiness({ cache: cache.guard.readiness() });
    expect(onlyCache).toMatchObject({ ready: true, status: 'degraded' });
  });

  it('marks the store down when its readiness probe finds it unreachable', async () => {
    const { guard } = setUp();
    guard.close();
    await expect(guard.readiness()()).rejects.toThrow('still refused');
    expect(guard.available).toBe(false);
  });
});
