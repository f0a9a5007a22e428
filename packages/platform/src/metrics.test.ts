import { counterValue, createMetrics } from './metrics';

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
