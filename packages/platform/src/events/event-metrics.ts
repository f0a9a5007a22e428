import { Counter, Gauge, Histogram } from 'prom-client';
import type { ServiceMetrics } from '../metrics';
import type { StreamStats } from './bus';

/**
 * The events' Prometheus metrics, on the service's own registry (packages/platform/src/metrics.ts):
 * counters from the relays and consumers of this process, gauges read from the bus and the outbox
 * when /metrics is scraped.
 */
export interface EventMetrics {
  published: Counter<'stream'>;
  publishFailures: Counter<'stream'>;
  /** Published, then not found in the stream after the durability window: published again. */
  republished: Counter<'stream'>;
  consumed: Counter<'stream' | 'group' | 'outcome'>;
  /** Deliveries after the first (a handler failed, or a consumer died holding the entry). */
  retries: Counter<'stream' | 'group'>;
  deadLettered: Counter<'stream' | 'group' | 'reason'>;
  /** From the event's occurredAt (its commit, near enough) to its handler's end. */
  endToEnd: Histogram<'stream' | 'group'>;
  /** Report a consumer group's pending, lag and dead letters on every scrape. */
  watchGroup(stats: () => Promise<StreamStats>): void;
  /** Report an outbox's backlog on every scrape. */
  watchOutbox(backlog: () => Promise<OutboxBacklog>): void;
}

export interface OutboxBacklog {
  unpublished: number;
  /** Age of the oldest unpublished row (0 when none). */
  oldestSeconds: number;
  /** Published, not yet confirmed in the stream after the durability window. */
  unconfirmed: number;
}

const byRegistry = new WeakMap<object, EventMetrics>();

/** Memoize an async read for a moment: one scrape reads each source once for all its gauges. */
function briefly<T>(read: () => Promise<T>, ms = 500): () => Promise<T> {
  let cached: { at: number; value: Promise<T> } | undefined;
  return () => {
    if (!cached || Date.now() - cached.at > ms) {
      const value = read();
      cached = { at: Date.now(), value };
      value.catch(() => (cached = undefined));
    }
    return cached.value;
  };
}

export function eventMetrics(metrics: ServiceMetrics): EventMetrics {
  const existing = byRegistry.get(metrics.registry);
  if (existing) return existing;
  const registers = [metrics.registry];
  const groups: (() => Promise<StreamStats>)[] = [];
  const outboxes: (() => Promise<OutboxBacklog>)[] = [];
  const fromGroups = (pick: (g: StreamStats['groups'][number]) => number | null) =>
    async function collect(this: Gauge<'stream' | 'group'>) {
      this.reset();
      for (const read of groups) {
        const stats = await read().catch(() => null);
        for (const g of stats?.groups ?? []) {
          const value = pick(g);
          if (value != null) this.set({ stream: stats!.stream, group: g.group }, value);
        }
      }
    };
  type Backlog = OutboxBacklog;
  const none: Backlog = { unpublished: 0, oldestSeconds: 0, unconfirmed: 0 };
  const fromOutboxes = (pick: (b: Backlog) => number, combine = (a: number, b: number) => a + b) =>
    async function collect(this: Gauge) {
      let value = 0;
      for (const read of outboxes) value = combine(value, pick(await read().catch(() => none)));
      this.set(value);
    };
  const created: EventMetrics = {
    published: new Counter({
      name: 'events_published_total',
      help: 'Events the outbox relays of this process appended to a stream',
      labelNames: ['stream'],
      registers,
    }),
    publishFailures: new Counter({
      name: 'events_publish_failures_total',
      help: 'Appends that failed (the row stays in the outbox and is retried with backoff)',
      labelNames: ['stream'],
      registers,
    }),
    republished: new Counter({
      name: 'events_republished_total',
      help: 'Published events not found in their stream after the durability window (lost by the bus), published again',
      labelNames: ['stream'],
      registers,
    }),
    consumed: new Counter({
      name: 'events_consumed_total',
      help: 'Deliveries handled by this process, by outcome (handled, failed, ignored)',
      labelNames: ['stream', 'group', 'outcome'],
      registers,
    }),
    retries: new Counter({
      name: 'events_retries_total',
      help: 'Deliveries after the first (a failed handler, or a consumer that died holding the entry)',
      labelNames: ['stream', 'group'],
      registers,
    }),
    deadLettered: new Counter({
      name: 'events_dead_lettered_total',
      help: 'Entries this process moved to a dead-letter stream, by reason',
      labelNames: ['stream', 'group', 'reason'],
      registers,
    }),
    endToEnd: new Histogram({
      name: 'events_end_to_end_seconds',
      help: "From an event's occurredAt to the end of its handler",
      labelNames: ['stream', 'group'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    watchGroup(stats) {
      groups.push(briefly(stats));
    },
    watchOutbox(backlog) {
      outboxes.push(briefly(backlog));
    },
  };
  new Gauge({
    name: 'events_pending',
    help: 'Entries delivered to a consumer group and not yet acked',
    labelNames: ['stream', 'group'],
    registers,
    collect: fromGroups((g) => g.pending),
  });
  new Gauge({
    name: 'events_lag',
    help: 'Entries of the stream not yet delivered to the consumer group',
    labelNames: ['stream', 'group'],
    registers,
    collect: fromGroups((g) => g.lag),
  });
  new Gauge({
    name: 'events_dead_letters',
    help: "Entries in the consumer group's dead-letter stream",
    labelNames: ['stream', 'group'],
    registers,
    collect: fromGroups((g) => g.deadLettered),
  });
  new Gauge({
    name: 'events_outbox_unpublished',
    help: 'Outbox rows not yet published',
    registers,
    collect: fromOutboxes((b) => b.unpublished),
  });
  new Gauge({
    name: 'events_outbox_oldest_unpublished_seconds',
    help: 'Age of the oldest outbox row not yet published (the relay lag)',
    registers,
    collect: fromOutboxes((b) => b.oldestSeconds, Math.max),
  });
  new Gauge({
    name: 'events_outbox_unconfirmed',
    help: 'Published outbox rows not yet confirmed in their stream after the durability window',
    registers,
    collect: fromOutboxes((b) => b.unconfirmed),
  });
  byRegistry.set(metrics.registry, created);
  return created;
}
