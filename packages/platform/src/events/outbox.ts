import { afterCommit } from '../transaction';
import type { EventEnvelope } from './envelope';
import type { EventRegistry } from './registry';
import type { SqlClient } from './sql';
import { streamKey, streamOf } from './streams';

/** Where a service records the events of a change, in the change's own transaction. */
export interface Outbox<Tx> {
  /**
   * Validate the events against their schemas and write them in the caller's transaction. An
   * invalid event throws InvalidEventError before anything is written, so the transaction (and the
   * business change with it) rolls back: an invalid event is never published.
   */
  add(tx: Tx, events: EventEnvelope | readonly EventEnvelope[]): Promise<void>;
}

/**
 * The outbox of a PostgreSQL service: the table `outbox` (the same columns in every service's
 * schema.prisma). After the transaction commits, `onCommit` wakes the relay of this process; the
 * relay's poll picks up anything else.
 */
export class PostgresOutbox implements Outbox<SqlClient> {
  constructor(
    private readonly options: {
      registry: EventRegistry;
      /** Usually the relay's wake(). */
      onCommit?: () => void;
      /** Stream keys under `events:<namespace>:` (tests). */
      namespace?: string;
    },
  ) {}

  async add(tx: SqlClient, events: EventEnvelope | readonly EventEnvelope[]): Promise<void> {
    const list: readonly EventEnvelope[] = Array.isArray(events) ? events : [events as EventEnvelope];
    if (!list.length) return;
    for (const event of list) this.options.registry.assertValid(event);
    const values: unknown[] = [];
    const rows = list.map((event) => {
      const at = values.length;
      values.push(
        event.id,
        streamKey(streamOf(event), this.options.namespace),
        event.type,
        event.version,
        event.aggregateId,
        event.aggregateVersion,
        JSON.stringify(event),
      );
      return `($${at + 1}::uuid, $${at + 2}, $${at + 3}, $${at + 4}::int, $${at + 5}, $${at + 6}::int, $${at + 7}::jsonb)`;
    });
    await tx.$executeRawUnsafe(
      `INSERT INTO outbox (event_id, stream, type, version, aggregate_id, aggregate_version, payload) VALUES ${rows.join(', ')}`,
      ...values,
    );
    if (this.options.onCommit) afterCommit(tx, this.options.onCommit);
  }
}
