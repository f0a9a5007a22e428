import type { WithTransaction } from '../transaction';
import type { EventHandler } from './bus';
import type { EventEnvelope } from './envelope';
import type { SqlClient } from './sql';

/**
 * The inbox of a consuming PostgreSQL service: table `inbox`, one row per (consumer, event id),
 * written in the same transaction as the effect. A duplicate delivery finds the row and does
 * nothing; two deliveries at once serialize on the primary key, and the second finds the first's.
 */
export const inbox = {
  /**
   * Run `effect` once per (consumer, event): resolves `{ applied: false }` for an event this
   * consumer has already handled. Call it inside the transaction the effect writes in.
   */
  async handleOnce<T>(
    tx: SqlClient,
    consumer: string,
    event: Pick<EventEnvelope, 'id'>,
    effect: () => Promise<T>,
  ): Promise<{ applied: true; result: T } | { applied: false }> {
    const inserted = await tx.$executeRawUnsafe(
      `INSERT INTO inbox (consumer, event_id) VALUES ($1, $2::uuid) ON CONFLICT DO NOTHING`,
      consumer,
      event.id,
    );
    if (inserted === 0) return { applied: false };
    return { applied: true, result: await effect() };
  },

  /** Forget entries older than the retention (m2m/README.md); returns how many went. */
  async purge(db: SqlClient, retentionMs: number): Promise<number> {
    return db.$executeRawUnsafe(
      `DELETE FROM inbox WHERE processed_at < now() - $1 * interval '1 millisecond'`,
      retentionMs,
    );
  },
};

/**
 * The usual consumer handler of a PostgreSQL service: one transaction per event holding the inbox
 * row and the effect; the bus acks only after it has committed.
 */
export function inboxHandler<Tx extends SqlClient>(
  withTransaction: WithTransaction<Tx>,
  consumer: string,
  effect: (tx: Tx, event: EventEnvelope) => Promise<unknown>,
): EventHandler {
  return async (event) => {
    await withTransaction((tx) => inbox.handleOnce(tx, consumer, event, () => effect(tx, event)));
  };
}
