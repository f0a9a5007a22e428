import { Registry } from 'prom-client';
import { counterValue } from '@polystore/platform';
import { InstrumentedPlanCache } from './plan-cache';
import { createGatewayMetrics } from './plugins/metrics';

const plan = (n: number) =>
  ({ kind: 'QueryPlan', node: { kind: 'Fetch', serviceName: 'catalog', operation: 'x'.repeat(n) } }) as never;

describe('the query-plan cache', () => {
  it('counts hits and misses and reports its entries and bytes on /metrics', async () => {
    const registry = new Registry();
    const cache = new InstrumentedPlanCache(1 << 20, createGatewayMetrics(registry));
    expect(await cache.get('a')).toBeUndefined();
    await cache.set('a', plan(100));
    expect(await cache.get('a')).toEqual(plan(100));
    expect(await cache.get('a')).toEqual(plan(100));
    expect(await counterValue(registry, 'query_plan_cache_lookups_total', { result: 'hit' })).toBe(2);
    expect(await counterValue(registry, 'query_plan_cache_lookups_total', { result: 'miss' })).toBe(1);
    const text = await registry.metrics();
    expect(text).toMatch(/^query_plan_cache_entries 1$/m);
    expect(text).toMatch(new RegExp(`^query_plan_cache_bytes ${JSON.stringify(plan(100)).length}$`, 'm'));
    cache.clear();
    expect(await registry.metrics()).toMatch(/^query_plan_cache_entries 0$/m);
  });

  it('evicts the least recently used plans beyond its byte budget', async () => {
    const cache = new InstrumentedPlanCache(1000);
    for (let i = 0; i < 10; i++) await cache.set(`k${i}`, plan(300));
    expect(cache.stats.bytes).toBeLessThanOrEqual(1000);
    expect(await cache.get('k9')).toBeDefined();
    expect(await cache.get('k0')).toBeUndefined();
  });
});
