import { createTestDatabase, type TestDatabase } from '../../test-support/postgres';

// Test files provision their databases in parallel (and other checkouts on the same server do too):
// every provision alters the same cluster-wide roles, which PostgreSQL refuses to do concurrently
// ("tuple concurrently updated") unless the provisions take turns.
describe('provisioning a database', () => {
  it('succeeds for many at once on the same roles', async () => {
    const results = await Promise.allSettled(Array.from({ length: 24 }, () => createTestDatabase('orders')));
    const made = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    await Promise.all(made.map((db: TestDatabase) => db.drop()));
    const failures = results.flatMap((r) => (r.status === 'rejected' ? [String((r.reason as Error).message)] : []));
    expect(failures).toEqual([]);
    expect(made).toHaveLength(24);
  });
});
