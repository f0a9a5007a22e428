import { afterCommit, transactions, type TransactionalClient } from './transaction';

/** Prisma's contract in miniature: the work runs on a transaction client; a throw rolls back. */
function client(): TransactionalClient<object> & { options: unknown[] } {
  const options: unknown[] = [];
  return {
    options,
    async $transaction(work, given) {
      options.push(given);
      return work({});
    },
  };
}

describe('withTransaction', () => {
  it('runs after-commit hooks once the work has committed, in the order they were added', async () => {
    const seen: string[] = [];
    const withTransaction = transactions(client());
    const result = await withTransaction(async (tx) => {
      afterCommit(tx, () => seen.push('first'));
      afterCommit(tx, () => seen.push('second'));
      seen.push('work');
      return 42;
    });
    expect(result).toBe(42);
    expect(seen).toEqual(['work', 'first', 'second']);
  });

  it('never runs the hooks of a transaction that rolled back', async () => {
    const seen: string[] = [];
    const withTransaction = transactions(client());
    await expect(
      withTransaction(async (tx) => {
        afterCommit(tx, () => seen.push('hook'));
        throw new Error('business rule broken');
      }),
    ).rejects.toThrow('business rule broken');
    expect(seen).toEqual([]);
  });

  it('keeps a committed result when a hook throws', async () => {
    const withTransaction = transactions(client());
    const result = await withTransaction(async (tx) => {
      afterCommit(tx, () => {
        throw new Error('wake-up failed');
      });
      return 'committed';
    });
    expect(result).toBe('committed');
  });

  it('passes its wait and timeout bounds to the client', async () => {
    const db = client();
    await transactions(db, { maxWaitMs: 100, timeoutMs: 200 })(async () => undefined);
    expect(db.options).toEqual([{ maxWait: 100, timeout: 200 }]);
  });

  it('registers nothing for a client that did not come from withTransaction', () => {
    expect(() => afterCommit({}, () => undefined)).not.toThrow();
  });
});
