import type { Logger } from '../logger';
import type { EventBus } from './bus';
import type { EventEnvelope } from './envelope';
import type { EventMetrics } from './event-metrics';
import { logFields } from './log-fields';
import type { EventRegistry } from './registry';
import { streamKey, streamOf } from './streams';
import { WakeableWorker } from './wake-up';

/**
 * The outbox of a document store without multi-document transactions (the catalog on FerretDB /
 * MongoDB): a changed document carries its own pending events, written by the same
 * single-document update as the change, so both land or neither does.
 *
 *   { …the document…, outbox: [<envelope>, …], outboxPending: true }
 *
 * The relay finds them with `{ outboxPending: true }` (an equality on a boolean: FerretDB v1
 * pushes only simple equalities down to SQL), publishes them in the document's order, confirms
 * them in the stream after the bus's durability window, and only then takes them off the document
 * (`$pullAll` of the exact elements it read: FerretDB v1's `$pull` ignores conditions) and clears
 * the flag if nothing new arrived meanwhile (`outbox: { $size: 0 }` in the filter).
 */
export const OUTBOX_FIELD = 'outbox';
export const PENDING_FIELD = 'outboxPending';

type Doc = Record<string, unknown> & { _id: unknown };

/** The subset of a MongoDB collection the relay uses: the driver's Collection, or a mongoose Model's `.collection`. */
export interface OutboxCollection {
  find(
    filter: Record<string, unknown>,
    options: { projection: Record<string, 1>; limit: number },
  ): { toArray(): Promise<Doc[]> };
  updateOne(filter: Record<string, unknown>, update: Record<string, unknown>): Promise<unknown>;
}

/**
 * Add events to a document's single-document update (validated first: an invalid event throws and
 * nothing is written). Merge the result into the update of the change itself.
 */
export function withOutboxEvents<U extends { $set?: Record<string, unknown>; $push?: Record<string, unknown> }>(
  registry: EventRegistry,
  update: U,
  events: readonly EventEnvelope[],
): U {
  for (const event of events) registry.assertValid(event);
  return {
    ...update,
    $set: { ...update.$set, [PENDING_FIELD]: true },
    $push: { ...update.$push, [OUTBOX_FIELD]: { $each: [...events] } },
  };
}

export interface DocumentOutboxRelayOptions {
  collection: OutboxCollection;
  bus: EventBus;
  logger: Logger;
  metrics?: EventMetrics;
  name?: string;
  namespace?: string;
  batchSize?: number;
  pollMs?: number;
  /** As for the PostgreSQL relay: how long the bus may still lose an acknowledged append. */
  confirmAfterMs?: number;
}

interface Sent {
  stream: string;
  position: string;
  at: number;
}

/**
 * Relays the events held on documents. Which events it has published and not yet confirmed it
 * keeps in memory: after a crash they are still on their documents and are published again
 * (consumers deduplicate); with several relays on one collection an event may be published by
 * more than one (the same).
 */
export class DocumentOutboxRelay extends WakeableWorker {
  readonly name: string;
  private readonly sent = new Map<string, Sent>();

  constructor(private readonly options: DocumentOutboxRelayOptions) {
    super();
    this.name = options.name ?? 'document-outbox-relay';
  }

  async check(): Promise<{ detail: { awaitingConfirmation: number } }> {
    return { detail: { awaitingConfirmation: this.sent.size } };
  }

  protected async work(): Promise<void> {
    while (!this.stopping) {
      await this.relayRound();
      if (!this.stopping) await this.wakeUp.wait(this.options.pollMs ?? 1_000);
    }
  }

  /**
   * One round over the documents with pending events: publish what is not yet published,
   * confirm what is old enough, take the confirmed off their documents. Resolves with counts.
   */
  async relayRound(): Promise<{ published: number; removed: number; lost: number }> {
    const { collection, bus } = this.options;
    const window = this.options.confirmAfterMs ?? 5_000;
    const awaiting = new Set([...this.sent.keys()]);
    // Documents waiting for confirmation come back too: ask for enough to reach the others.
    const limit = (this.options.batchSize ?? 100) + awaiting.size;
    const docs = await collection
      .find({ [PENDING_FIELD]: true }, { projection: { _id: 1, [OUTBOX_FIELD]: 1 }, limit })
      .toArray();
    let published = 0;
    let removed = 0;
    let lost = 0;
    const seen = new Set<string>();
    for (const doc of docs) {
      const events = (doc[OUTBOX_FIELD] as EventEnvelope[] | undefined) ?? [];
      for (const event of events) seen.add(event.id);
      const unsent = events.filter((e) => !this.sent.has(e.id));
      for (const [stream, list] of this.byStream(unsent)) {
        const results = await bus.publish(stream, list);
        results.forEach((result, i) => {
          const event = list[i]!;
          if ('position' in result) {
            this.sent.set(event.id, { stream, position: result.position, at: Date.now() });
            published += 1;
            this.options.metrics?.published.inc({ stream });
            this.options.logger.debug({ ...logFields(event), stream }, 'event published');
          } else {
            this.options.metrics?.publishFailures.inc({ stream });
            this.options.logger.warn({ ...logFields(event), stream, err: result.error }, 'could not publish an event');
          }
        });
      }
      const due = events.filter((e) => {
        const sent = this.sent.get(e.id);
        return sent && Date.now() - sent.at >= window;
      });
      const confirmed: EventEnvelope[] = [];
      for (const [stream, list] of this.byStream(due)) {
        const found =
          window === 0
            ? list.map(() => true)
            : await bus.contains(
                stream,
                list.map((e) => ({ position: this.sent.get(e.id)!.position, eventId: e.id })),
              );
        list.forEach((event, i) => {
          if (found[i]) confirmed.push(event);
          else {
            // Lost by the bus after it acknowledged: forget it was sent, so the next round sends it again.
            this.sent.delete(event.id);
            lost += 1;
            this.options.metrics?.republished.inc({ stream });
            this.options.logger.warn(
              { ...logFields(event), stream },
              'the bus lost a published event; publishing it again',
            );
          }
        });
      }
      if (!confirmed.length) continue;
      await collection.updateOne({ _id: doc._id }, { $pullAll: { [OUTBOX_FIELD]: confirmed } });
      await collection.updateOne({ _id: doc._id, [OUTBOX_FIELD]: { $size: 0 } }, { $set: { [PENDING_FIELD]: false } });
      for (const event of confirmed) this.sent.delete(event.id);
      removed += confirmed.length;
    }
    // Every pending document was read: what this relay sent and no document holds any more was
    // taken off by another relay (or its document is gone).
    if (docs.length < limit) for (const id of awaiting) if (!seen.has(id)) this.sent.delete(id);
    if (lost) this.wakeUp.wake();
    return { published, removed, lost };
  }

  private byStream(events: readonly EventEnvelope[]): Map<string, EventEnvelope[]> {
    const groups = new Map<string, EventEnvelope[]>();
    for (const event of events) {
      const key = streamKey(streamOf(event), this.options.namespace);
      const list = groups.get(key);
      if (list) list.push(event);
      else groups.set(key, [event]);
    }
    return groups;
  }
}
