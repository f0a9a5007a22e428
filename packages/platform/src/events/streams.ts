import type { EventEnvelope } from './envelope';

/**
 * Every event stream, who writes it, which consumer groups read it, and how much of it is kept.
 * m2m/README.md declares the same (a unit test holds the two together), and the Redis users of
 * each service are derived from it (./redis-acl.ts).
 *
 * One stream per (source service, aggregate type): every event of one aggregate goes to one
 * stream, so its order is kept there. Keys carry the source in a hash tag (`{catalog}`): a stream,
 * its dead-letter streams and a consumer's MULTI over them live in one Redis Cluster slot.
 */
export interface StreamDeclaration {
  /** `<source>.<aggregate>`: how code, logs and metrics name the stream. */
  name: string;
  /** The Redis key. */
  key: string;
  /** The only service that appends to it (through its outbox). */
  producer: string;
  aggregateType: string;
  /** Retention: XADD trims to about this many entries (MAXLEN ~). */
  maxLen: number;
  /** One consumer group per consuming service: the group is the service's name. */
  groups: string[];
}

/** Dead-letter streams keep this many entries per group. */
export const DEAD_LETTER_MAX_LEN = 10_000;

const declare = (
  producer: string,
  aggregate: string,
  options: { maxLen: number; groups: string[] },
): StreamDeclaration => ({
  name: `${producer}.${aggregate.toLowerCase()}`,
  key: `events:{${producer}}:${aggregate.toLowerCase()}`,
  producer,
  aggregateType: aggregate,
  ...options,
});

export const STREAMS: readonly StreamDeclaration[] = [
  declare('catalog', 'Product', { maxLen: 200_000, groups: ['search'] }),
  declare('catalog', 'Category', { maxLen: 10_000, groups: ['search'] }),
  declare('accounts', 'User', { maxLen: 100_000, groups: ['orders', 'cart', 'payments'] }),
  declare('orders', 'Order', { maxLen: 100_000, groups: [] }),
  declare('payments', 'Payment', { maxLen: 100_000, groups: ['orders'] }),
];

export function streamNamed(name: string): StreamDeclaration {
  const stream = STREAMS.find((s) => s.name === name);
  if (!stream) throw new Error(`no stream ${name}; declared: ${STREAMS.map((s) => s.name).join(', ')}`);
  return stream;
}

/** The stream an event belongs to: its source's stream of its aggregate type. */
export function streamOf(event: Pick<EventEnvelope, 'source' | 'aggregateType'>): StreamDeclaration {
  return streamNamed(`${event.source}.${event.aggregateType.toLowerCase()}`);
}

/**
 * The Redis key of a stream inside a namespace: tests run under `events:t_<suffix>:` so they
 * never meet the product's streams (or each other's). The hash tag stays intact.
 */
export function streamKey(stream: StreamDeclaration | string, namespace = ''): string {
  const key = typeof stream === 'string' ? stream : stream.key;
  if (!namespace) return key;
  return key.replace(/^events:/, `events:${namespace}:`);
}

/** Where a consumer group's poison events go: beside the stream, in its slot. */
export function deadLetterKey(streamKeyValue: string, group: string): string {
  return `${streamKeyValue}:dlq:${group}`;
}
