import type { EventEnvelope } from './envelope';
import type { SqlClient } from './sql';

/**
 * Per-aggregate version checks: a projection keeps, per aggregate, the aggregateVersion it holds
 * and takes an event only when it is newer. Events carry the aggregate's state after the change
 * (schema/events/), so the newest one alone is enough: a stale, duplicate or reordered delivery
 * changes nothing, and any order of delivery ends in the same projection.
 */
export function isNewer(held: number | null | undefined, event: Pick<EventEnvelope, 'aggregateVersion'>): boolean {
  return held == null || event.aggregateVersion > held;
}

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

function quote(name: string): string {
  if (!IDENTIFIER.test(name)) throw new Error(`not a plain SQL identifier: ${name}`);
  return `"${name}"`;
}

/**
 * Write a projection row only when the event is newer than what it holds: one statement,
 * `INSERT … ON CONFLICT (key) DO UPDATE … WHERE held version < new version`. Resolves true when it
 * wrote, false when the row already holds this version or a newer one.
 */
export async function upsertIfNewer(
  tx: SqlClient,
  target: {
    table: string;
    /** The primary key columns and their values (the aggregate's id). */
    key: Record<string, unknown>;
    /** The state to hold. */
    values: Record<string, unknown>;
    version: number;
    versionColumn?: string;
  },
): Promise<boolean> {
  const versionColumn = quote(target.versionColumn ?? 'version');
  const table = quote(target.table);
  const keys = Object.keys(target.key).map(quote);
  const columns = Object.keys(target.values).map(quote);
  const all = [...keys, versionColumn, ...columns];
  const values = [...Object.values(target.key), target.version, ...Object.values(target.values)];
  const written = await tx.$executeRawUnsafe(
    `INSERT INTO ${table} (${all.join(', ')}) VALUES (${all.map((_, i) => `$${i + 1}`).join(', ')})
     ON CONFLICT (${keys.join(', ')}) DO UPDATE SET ${[versionColumn, ...columns].map((c) => `${c} = EXCLUDED.${c}`).join(', ')}
     WHERE ${table}.${versionColumn} < EXCLUDED.${versionColumn}`,
    ...values,
  );
  return written === 1;
}

/**
 * The same check in Elasticsearch (a search projection): index with the aggregate's version as an
 * external version. Elasticsearch keeps a document only when the version is higher than the one
 * it holds and answers 409 otherwise — which, for a projection, means "already newer": ack it.
 *   es.index({ index, id: event.aggregateId, document, ...externalVersion(event) })
 * (Deletes leave a tombstone for index.gc_deletes, 60 s by default: products are archived, never
 * deleted, so their projection updates status instead.)
 */
export function externalVersion(event: Pick<EventEnvelope, 'aggregateVersion'>): {
  version: number;
  version_type: 'external';
} {
  return { version: event.aggregateVersion, version_type: 'external' };
}

/** Whether an Elasticsearch error is the 409 of an external version that is not newer. */
export function isStaleVersionConflict(error: unknown): boolean {
  const e = error as { meta?: { statusCode?: number; body?: { error?: { type?: string } } } };
  return e?.meta?.statusCode === 409 && e.meta.body?.error?.type === 'version_conflict_engine_exception';
}
