/**
 * The transaction seam of the PostgreSQL services: a service opens one transaction, hands its
 * client to every repository write and to the outbox, and the whole unit commits or rolls back
 * together. Repositories never open transactions themselves.
 */

/** Any Prisma client (structurally): what an interactive transaction needs. */
export interface TransactionalClient<Tx> {
  $transaction<R>(work: (tx: Tx) => Promise<R>, options?: { maxWait?: number; timeout?: number }): Promise<R>;
}

/** `withTransaction(tx => …)`: run the work in one transaction; resolves after the commit. */
export type WithTransaction<Tx> = <R>(work: (tx: Tx) => Promise<R>) => Promise<R>;

export interface TransactionOptions {
  /** How long to wait for a pooled connection. */
  maxWaitMs?: number;
  /** How long the transaction may stay open before PostgreSQL's side is rolled back. */
  timeoutMs?: number;
}

const afterCommitHooks = new WeakMap<object, (() => void)[]>();

export function transactions<Tx extends object>(
  db: TransactionalClient<Tx>,
  { maxWaitMs = 5_000, timeoutMs = 10_000 }: TransactionOptions = {},
): WithTransaction<Tx> {
  return async (work) => {
    const hooks: (() => void)[] = [];
    const result = await db.$transaction(
      (tx) => {
        afterCommitHooks.set(tx, hooks);
        return work(tx);
      },
      { maxWait: maxWaitMs, timeout: timeoutMs },
    );
    for (const hook of hooks) {
      try {
        hook();
      } catch {
        // a wake-up after the commit must never turn a committed write into a failed call
      }
    }
    return result;
  };
}

/**
 * Run `hook` once the transaction `tx` has committed (never when it rolls back). For a client
 * that did not come from `transactions()` nothing is registered: the caller's poll covers it.
 */
export function afterCommit(tx: object, hook: () => void): void {
  afterCommitHooks.get(tx)?.push(hook);
}
