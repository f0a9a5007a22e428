import { backoffMs } from '../backoff';
import type { Logger } from '../logger';
import type { EventBus } from './bus';
import type { EventEnvelope } from './envelope';
import type { EventMetrics, OutboxBacklog } from './event-metrics';
import { logFields } from './log-fields';
import type { SqlClient, SqlDatabase } from './sql';
import { WakeableWorker } from './wake-up';

export interface OutboxRelayOptions {
  db: SqlDatabase;
  bus: EventBus;
  logger: Logger;
  metrics?: EventMetrics;
  name?: string;
  /** Rows locked and published per round. */
  batchSize?: number;
  /** The sweep: how often the relay looks for rows without being woken (stranded by a crash, due for a retry). */
  pollMs?: number;
  /**
   * The bus's durability window: a published row is confirmed (found in its stream) only once it
   * is older than this; one not found then was lost by the bus and is published again. Redis with
   * AOF `appendfsync everysec` may lose up to ~2 s of acknowledged writes when it dies: 5 s by
   * default. 0 trusts the bus's acknowledgement (a bus whose acks are durable).
   */
  confirmAfterMs?: number;
  /** Confirmed rows are deleted after this long (m2m/README.md declares it). */
  retentionMs?: number;
  purgeEveryMs?: number;
  /** Retry delays of a row whose publish failed: minMs, doubled per attempt, at most maxMs. */
  retry?: { minMs: number; maxMs: number };
  /** /readyz fails when the oldest unpublished row is older than this. */
  maxLagMs?: number;
}

interface ClaimedRow {
  seq: string;
  stream: string;
  attempts: number;
  payload: EventEnvelope;
}

const DAY = 86_400_000;

/**
 * Publishes the outbox of a PostgreSQL service to the bus, at least once and in order per stream:
 *  - a round locks the oldest unpublished rows that are due (`FOR UPDATE SKIP LOCKED`, so several
 *    relays share the work), appends them to their streams, and marks them published in the same
 *    transaction; a failed append counts an attempt and backs the row off;
 *  - it runs when woken after a commit in this process and, as the sweep, every pollMs, which also
 *    finds rows a crashed process committed but never published (nothing else is needed: a dead
 *    relay's locks went with its connection);
 *  - published rows are confirmed in their stream once older than the bus's durability window;
 *    a row not found was lost by the bus and is published again;
 *  - confirmed rows are purged after the retention.
 * A crash between the append and the commit publishes the rows again: consumers deduplicate.
 */
export class PostgresOutboxRelay extends WakeableWorker {
  readonly name: string;

  constructor(private readonly options: OutboxRelayOptions) {
    super();
    this.name = options.name ?? 'outbox-relay';
    options.metrics?.watchOutbox(() => this.backlog());
  }

  private get batchSize() {
    return this.options.batchSize ?? 100;
  }

  async check(): Promise<{ detail: OutboxBacklog }> {
    const backlog = await this.backlog();
    const maxLagMs = this.options.maxLagMs ?? 30_000;
    if (backlog.oldestSeconds * 1000 > maxLagMs) {
      throw new Error(
        `lagging: ${backlog.unpublished} unpublished, the oldest ${backlog.oldestSeconds.toFixed(1)} s old`,
      );
    }
    return { detail: backlog };
  }

  protected async work(): Promise<void> {
    const { pollMs = 1_000, purgeEveryMs = 60_000 } = this.options;
    let purgeAt = 0;
    let confirmAt = 0;
    while (!this.stopping) {
      while ((await this.publishRound()) === this.batchSize && !this.stopping);
      // Confirming is the sweep's work, not each wake-up's: once per poll.
      if (Date.now() >= confirmAt) {
        await this.confirmRounds();
        confirmAt = Date.now() + pollMs;
      }
      if (Date.now() >= purgeAt) {
        await this.purge();
        purgeAt = Date.now() + purgeEveryMs;
      }
      if (!this.stopping) await this.wakeUp.wait(pollMs);
    }
  }

  /**
   * One round: lock, append, mark. Resolves with how many rows it took. (ORDER BY names the
   * column: the output's `seq` is text, and '10' sorts before '9'.)
   */
  async publishRound(): Promise<number> {
    return this.options.db.$transaction(
      async (tx) => {
        const rows = await tx.$queryRawUnsafe<ClaimedRow[]>(
          `SELECT seq::text AS seq, stream, attempts, payload FROM outbox
           WHERE published_at IS NULL AND next_attempt_at <= now()
           ORDER BY outbox.seq LIMIT $1 FOR UPDATE SKIP LOCKED`,
          this.batchSize,
        );
        if (!rows.length) return 0;
        const published: { seq: string; position: string }[] = [];
        const failed: { row: ClaimedRow; error: Error }[] = [];
        for (const [stream, list] of byStream(rows)) {
          const results = await this.options.bus.publish(
            stream,
            list.map((r) => r.payload),
          );
          results.forEach((result, i) => {
            const row = list[i]!;
            if ('position' in result) published.push({ seq: row.seq, position: result.position });
            else failed.push({ row, error: result.error });
          });
          this.options.metrics?.published.inc({ stream }, results.filter((r) => 'position' in r).length);
        }
        await this.markPublished(tx, published);
        await this.markFailed(tx, failed);
        const done = new Set(published.map((p) => p.seq));
        for (const row of rows.filter((r) => done.has(r.seq))) {
          this.options.logger.debug({ ...logFields(row.payload), stream: row.stream }, 'event published');
        }
        return rows.length;
      },
      { timeout: 30_000 },
    );
  }

  private async markPublished(tx: SqlClient, published: { seq: string; position: string }[]): Promise<void> {
    if (!published.length) return;
    const confirmNow = (this.options.confirmAfterMs ?? 5_000) === 0;
    await tx.$executeRawUnsafe(
      `UPDATE outbox SET published_at = now(), stream_id = u.position, attempts = attempts + 1,
         last_error = NULL, confirmed_at = CASE WHEN $3::boolean THEN now() END
       FROM unnest($1::text[], $2::text[]) AS u(seq, position)
       WHERE outbox.seq = u.seq::bigint`,
      published.map((p) => p.seq),
      published.map((p) => p.position),
      confirmNow,
    );
  }

  private async markFailed(tx: SqlClient, failed: { row: ClaimedRow; error: Error }[]): Promise<void> {
    if (!failed.length) return;
    const retry = this.options.retry ?? { minMs: 500, maxMs: 60_000 };
    for (const { row, error } of failed) {
      this.options.metrics?.publishFailures.inc({ stream: row.stream });
      this.options.logger.warn(
        { ...logFields(row.payload), stream: row.stream, attempts: row.attempts + 1, err: error },
        'could not publish an event; it stays in the outbox',
      );
    }
    await tx.$executeRawUnsafe(
      `UPDATE outbox SET attempts = attempts + 1, last_error = u.error,
         next_attempt_at = now() + u.delay_ms * interval '1 millisecond'
       FROM unnest($1::text[], $2::text[], $3::int[]) AS u(seq, error, delay_ms)
       WHERE outbox.seq = u.seq::bigint`,
      failed.map((f) => f.row.seq),
      failed.map((f) => f.error.message.slice(0, 1000)),
      failed.map((f) => backoffMs(f.row.attempts + 1, retry)),
    );
  }

  private async confirmRounds(): Promise<void> {
    try {
      while ((await this.confirmRound()).checked === this.batchSize && !this.stopping);
    } catch (error) {
      // The bus may be down: the rows stay unconfirmed and are checked again next round.
      this.options.logger.warn({ err: error }, 'could not confirm published events');
    }
  }

  /**
   * Confirm published rows older than the durability window in their streams; republish those
   * the bus lost (it acknowledged them, then died before they reached its disk).
   */
  async confirmRound(): Promise<{ checked: number; confirmed: number; lost: number }> {
    const window = this.options.confirmAfterMs ?? 5_000;
    if (window === 0) return { checked: 0, confirmed: 0, lost: 0 };
    return this.options.db.$transaction(
      async (tx) => {
        const rows = await tx.$queryRawUnsafe<
          { seq: string; stream: string; position: string; payload: EventEnvelope }[]
        >(
          `SELECT seq::text AS seq, stream, stream_id AS position, payload FROM outbox
           WHERE confirmed_at IS NULL AND published_at < now() - $2 * interval '1 millisecond'
           ORDER BY outbox.seq LIMIT $1 FOR UPDATE SKIP LOCKED`,
          this.batchSize,
          window,
        );
        const confirmed: string[] = [];
        const lost: typeof rows = [];
        for (const [stream, list] of byStream(rows)) {
          const found = await this.options.bus.contains(
            stream,
            list.map((r) => ({ position: r.position, eventId: r.payload.id })),
          );
          list.forEach((row, i) => (found[i] ? confirmed.push(row.seq) : lost.push(row)));
        }
        if (confirmed.length) {
          await tx.$executeRawUnsafe(
            `UPDATE outbox SET confirmed_at = now() WHERE seq = ANY($1::text[]::bigint[])`,
            confirmed,
          );
        }
        if (lost.length) {
          await tx.$executeRawUnsafe(
            `UPDATE outbox SET published_at = NULL, stream_id = NULL, next_attempt_at = now(),
               last_error = 'published, then not found in its stream after the durability window: published again'
             WHERE seq = ANY($1::text[]::bigint[])`,
            lost.map((r) => r.seq),
          );
          for (const row of lost) {
            this.options.metrics?.republished.inc({ stream: row.stream });
            this.options.logger.warn(
              { ...logFields(row.payload), stream: row.stream, position: row.position },
              'the bus lost a published event; publishing it again',
            );
          }
          this.wakeUp.wake();
        }
        return { checked: rows.length, confirmed: confirmed.length, lost: lost.length };
      },
      { timeout: 30_000 },
    );
  }

  /** Delete confirmed rows older than the retention, a thousand at a time. */
  async purge(): Promise<number> {
    const retentionMs = this.options.retentionMs ?? 7 * DAY;
    let total = 0;
    for (;;) {
      const deleted = await this.options.db.$executeRawUnsafe(
        `DELETE FROM outbox WHERE seq IN (
           SELECT seq FROM outbox WHERE confirmed_at < now() - $1 * interval '1 millisecond'
           ORDER BY confirmed_at LIMIT 1000)`,
        retentionMs,
      );
      total += deleted;
      if (deleted < 1000) return total;
    }
  }

  async backlog(): Promise<OutboxBacklog> {
    const [row] = await this.options.db.$queryRawUnsafe<
      { unpublished: number; oldest_seconds: number | null; unconfirmed: number }[]
    >(
      `SELECT count(*) FILTER (WHERE published_at IS NULL)::int AS unpublished,
              extract(epoch FROM now() - min(created_at) FILTER (WHERE published_at IS NULL))::float8 AS oldest_seconds,
              count(*) FILTER (WHERE published_at IS NOT NULL AND confirmed_at IS NULL)::int AS unconfirmed
       FROM outbox WHERE confirmed_at IS NULL`,
    );
    return {
      unpublished: Number(row?.unpublished ?? 0),
      oldestSeconds: Number(row?.oldest_seconds ?? 0),
      unconfirmed: Number(row?.unconfirmed ?? 0),
    };
  }
}

/** Rows grouped by stream, each group in the rows' order. */
function byStream<T extends { stream: string }>(rows: readonly T[]): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const row of rows) {
    const list = groups.get(row.stream);
    if (list) list.push(row);
    else groups.set(row.stream, [row]);
  }
  return groups;
}
