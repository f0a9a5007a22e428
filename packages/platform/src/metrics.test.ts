import { counterValue, createMetrics, histogramTotals } from './metrics';

describe('operation labels', () => {
  it('keep label cardinality bounded: names past the cap, and malformed ones, become "other"', () => {
    const metrics = createMetrics('test', { maxOperationNames: 2 });
    expect(metrics.operationLabel('HomePage')).toBe('HomePage');
    expect(metrics.operationLabel('Cart')).toBe('Cart');
    expect(metrics.operationLabel('Checkout')).toBe('other');
    expect(metrics.operationLabel('HomePage')).toBe('HomePage');
    expect(metrics.operationLabel('drop table; --')).toBe('other');
    expect(metrics.operationLabel(undefined)).toBe('anonymous');
  });
});

describe('counterValue', () => {
  it('sums the series matching the labels', async () => {
    const metrics = createMetrics('test');
    metrics.storeCommands.inc({ store: 'mongodb', operation: 'find' }, 2);
    metrics.storeCommands.inc({ store: 'mongodb', operation: 'insert' });
    expect(await counterValue(metrics.registry, 'store_commands_total', { operation: 'find' })).toBe(2);
    expect(await counterValue(metrics.registry, 'store_commands_total', { store: 'mongodb' })).toBe(3);
    expect(await counterValue(metrics.registry, 'no_such_metric')).toBe(0);
  });
});

describe('histogramTotals', () => {
  it('gives the count and sum of the series matching the labels, and refuses an unknown name', async () => {
    const metrics = createMetrics('test');
    metrics.operationDuration.observe({ operation: 'Cart', type: 'query' }, 0.25);
    metrics.operationDuration.observe({ operation: 'Cart', type: 'query' }, 0.5);
    metrics.operationDuration.observe({ operation: 'AddToCart', type: 'mutation' }, 2);
    const name = 'graphql_operation_duration_seconds';
    expect(await histogramTotals(metrics.registry, name, { operation: 'Cart' })).toEqual({ count: 2, sum: 0.75 });
    expect(await histogramTotals(metrics.registry, name)).toEqual({ count: 3, sum: 2.75 });
    expect(await histogramTotals(metrics.registry, name, { type: 'subscription' })).toEqual({ count: 0, sum: 0 });
    await expect(histogramTotals(metrics.registry, 'no_such_histogram')).rejects.toThrow('no histogram');
  });
});
