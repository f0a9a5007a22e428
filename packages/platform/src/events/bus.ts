import type { EventEnvelope } from './envelope';
import type { EventProblem } from './registry';

/**
 * The event bus as the outbox relays and consumers see it. Redis Streams is the adapter today
 * (./redis-streams-bus.ts); a NATS JetStream or Kafka adapter implements the same interface.
 *
 * Delivery is at least once: an event may arrive twice (a relay crash between publishing and
 * marking; a consumer crash between its effect and the ack) and, across aggregates or after a
 * republish, out of order. Consumers therefore deduplicate (inbox) and keep the newest
 * aggregateVersion (./versioned.ts).
 */
export interface EventBus {
  /**
   * Append events to one stream, in order. Every entry answers for itself: its position, or the
   * error that kept it out (the relay retries just those).
   */
  publish(stream: string, events: readonly EventEnvelope[]): Promise<PublishResult[]>;
  /**
   * Whether entries published earlier are still in the stream: how a relay finds what the bus
   * lost after acknowledging it (a Redis restart inside its AOF fsync window).
   */
  contains(stream: string, entries: readonly PublishedEntry[]): Promise<boolean[]>;
  /** Consume a stream as one member of a consumer group until the subscription is stopped. */
  subscribe(options: SubscribeOptions): Subscription;
  /** Mark entries handled for a group (the subscription does this after each handler returns). */
  ack(stream: string, group: string, positions: readonly string[]): Promise<void>;
  /** Move an entry to the group's dead-letter stream with its reason, and ack it (one step). */
  deadLetter(letter: DeadLetter): Promise<void>;
  /** Deliver entries again to a group: from a position, from a time, or out of its dead-letter stream. */
  replay(request: ReplayRequest): Promise<ReplayResult>;
  /** Per group: what the stream holds and how far the group is behind. */
  stats(stream: string, group?: string): Promise<StreamStats>;
}

export type PublishResult = { position: string } | { error: Error };

/** An event where the bus said it put it. */
export interface PublishedEntry {
  position: string;
  eventId: string;
}

/** One delivery of one entry to one consumer. */
export interface Delivery {
  stream: string;
  group: string;
  consumer: string;
  position: string;
  /** 1 for the first delivery; counted by the bus across consumers. */
  deliveries: number;
  /** The envelope, validated against its schema before the handler sees it. */
  event: EventEnvelope;
}

export type EventHandler = (event: EventEnvelope, delivery: Delivery) => Promise<void>;

export interface SubscribeOptions {
  stream: string;
  group: string;
  /** Unique per process (host and pid by default): who holds an entry until it is acked. */
  consumer?: string;
  handler: EventHandler;
  /** Checks every entry before the handler: an invalid one is dead-lettered at once. */
  validate: (event: unknown) => EventProblem[];
  /** A new group starts at the beginning of what the stream keeps (`0`) or with new entries only (`$`). */
  startAt?: '0' | '$';
  /** Entries read per round trip. */
  batchSize?: number;
  /**
   * Aggregates of one batch handled at once (4 by default): entries of one aggregate always one
   * after the other, in stream order; entries of different aggregates side by side.
   */
  concurrency?: number;
  /** How long one read waits for new entries (it bounds how long a stop takes). */
  blockMs?: number;
  /** An entry delivered but not acked for this long is taken over (its consumer crashed, or its handler failed). */
  claimIdleMs?: number;
  /** After this many failed deliveries an entry is dead-lettered with its last error. */
  maxDeliveries?: number;
  /** Called with each outcome: logs and metrics. */
  observe?: (outcome: DeliveryOutcome) => void;
}

export type DeliveryOutcome =
  | { kind: 'handled'; delivery: Delivery; ms: number }
  | { kind: 'failed'; delivery: Delivery; error: Error }
  | { kind: 'dead-lettered'; letter: DeadLetter }
  | { kind: 'ignored'; stream: string; group: string; position: string; reason: string };

export interface Subscription {
  /** Resolves when the loop has ended: after stop(), or never while it runs. Rejects if it crashed. */
  readonly done: Promise<void>;
  /** Stop claiming and reading; finish the entries in hand; resolve when nothing is in flight. */
  stop(): Promise<void>;
}

export interface DeadLetter {
  stream: string;
  group: string;
  consumer: string;
  position: string;
  deliveries: number;
  reason: 'invalid' | 'handler-failed' | 'too-many-deliveries';
  /** The last error, or what made the event invalid. */
  error: string;
  /** The entry as it was on the stream (an invalid one may not even parse). */
  raw: string;
  eventId?: string;
  problems?: EventProblem[];
}

export type ReplayRequest =
  | { stream: string; group: string; from: { position: string } | { time: Date } }
  | { stream: string; group: string; from: 'dead-letter'; ids?: readonly string[] };

export interface ReplayResult {
  /** Entries that will be delivered again (for a rewind: what lies after the new start). */
  entries: number;
}

export interface StreamStats {
  stream: string;
  length: number;
  groups: {
    group: string;
    consumers: number;
    /** Delivered, not yet acked. */
    pending: number;
    /** Entries not yet delivered to the group (null when Redis cannot tell, e.g. after a trim past them). */
    lag: number | null;
    deadLettered: number;
  }[];
}
