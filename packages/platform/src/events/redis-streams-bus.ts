import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type {
  DeadLetter,
  Delivery,
  EventBus,
  PublishedEntry,
  PublishResult,
  ReplayRequest,
  ReplayResult,
  StreamStats,
  SubscribeOptions,
  Subscription,
} from './bus';
import type { EventEnvelope } from './envelope';
import { DEAD_LETTER_MAX_LEN, deadLetterKey, STREAMS } from './streams';

type Entry = [position: string, fields: string[] | null];

/** Fields of a stream entry: the envelope as JSON under `event`, its id and type beside it for people reading the stream. */
const EVENT = 'event';
/** Set on an entry replayed out of a dead-letter stream: only this group handles it; the others ack it. */
const REPLAY_FOR = 'replay-for';

/** `XADD <stream> MAXLEN ~ <maxLen> * <field> <value> …`: every append of this bus, trimmed by its retention. */
function xadd(stream: string, maxLen: number, fields: string[]): [string, ...(string | number)[]] {
  return ['XADD', stream, 'MAXLEN', '~', maxLen, '*', ...fields];
}

/** XADD retention of a stream key: the declared MAXLEN, also under a test namespace (`events:t_x:{…}`). */
export function declaredMaxLen(key: string, fallback = 100_000): number {
  const plain = key.replace(/^events:[^{:]+:(?=\{)/, 'events:');
  return STREAMS.find((s) => s.key === plain)?.maxLen ?? fallback;
}

/**
 * The event bus on Redis Streams (Redis 7.0). One stream per source aggregate, one consumer group
 * per consuming service, XACK after the handler (whose effect has committed), XAUTOCLAIM for
 * entries a crashed or failing consumer left pending, a dead-letter stream per group.
 *
 * Takes the caller's client (no key prefix: stream keys are absolute); every blocking read runs on
 * a duplicate of it, so a subscription never stalls the commands of anyone else.
 */
export class RedisStreamsBus implements EventBus {
  constructor(
    private readonly redis: Redis,
    private readonly options: { maxLenOf?: (key: string) => number; deadLetterMaxLen?: number } = {},
  ) {
    if (redis.options.keyPrefix) throw new Error('the event bus needs a Redis client without keyPrefix');
  }

  async publish(stream: string, events: readonly EventEnvelope[]): Promise<PublishResult[]> {
    if (!events.length) return [];
    const maxLen = (this.options.maxLenOf ?? declaredMaxLen)(stream);
    const pipeline = this.redis.pipeline();
    for (const event of events) {
      pipeline.call(...xadd(stream, maxLen, ['id', event.id, 'type', event.type, EVENT, JSON.stringify(event)]));
    }
    let replies: [Error | null, unknown][] | null;
    try {
      replies = await pipeline.exec();
    } catch (error) {
      return events.map(() => ({ error: error as Error }));
    }
    return events.map((_, i) => {
      const [error, position] = replies?.[i] ?? [new Error('no reply'), null];
      return error ? { error } : { position: String(position) };
    });
  }

  /** Each entry is still at its position and is the same event (its `id` field). */
  async contains(stream: string, entries: readonly PublishedEntry[]): Promise<boolean[]> {
    if (!entries.length) return [];
    const pipeline = this.redis.pipeline();
    for (const { position } of entries) pipeline.call('XRANGE', stream, position, position);
    const replies = (await pipeline.exec()) ?? [];
    return entries.map(({ eventId }, i) => {
      const [error, found] = replies[i] ?? [new Error('no reply'), null];
      if (error) throw error;
      const [entry] = found as Entry[];
      return entry !== undefined && fieldMap(entry[1])['id'] === eventId;
    });
  }

  subscribe(options: SubscribeOptions): Subscription {
    return new StreamSubscription(this, this.redis, options);
  }

  async ack(stream: string, group: string, positions: readonly string[]): Promise<void> {
    if (positions.length) await this.redis.call('XACK', stream, group, ...positions);
  }

  async deadLetter(letter: DeadLetter): Promise<void> {
    const fields = [
      'stream',
      letter.stream,
      'group',
      letter.group,
      'consumer',
      letter.consumer,
      'position',
      letter.position,
      'deliveries',
      String(letter.deliveries),
      'reason',
      letter.reason,
      'error',
      letter.error,
      'eventId',
      letter.eventId ?? '',
      'problems',
      JSON.stringify(letter.problems ?? []),
      'at',
      new Date().toISOString(),
      EVENT,
      letter.raw,
    ];
    // The letter and the ack together: the same slot (hash tag), so this holds on a cluster too.
    const replies = await this.redis
      .multi()
      .call(
        ...xadd(
          deadLetterKey(letter.stream, letter.group),
          this.options.deadLetterMaxLen ?? DEAD_LETTER_MAX_LEN,
          fields,
        ),
      )
      .call('XACK', letter.stream, letter.group, letter.position)
      .exec();
    const failed = replies?.find(([error]) => error);
    if (failed) throw failed[0];
  }

  async replay(request: ReplayRequest): Promise<ReplayResult> {
    if (request.from === 'dead-letter') return this.replayDeadLetters(request.stream, request.group, request.ids);
    const start = 'time' in request.from ? `${request.from.time.getTime()}-0` : request.from.position;
    // Delivery resumes after the group's last-delivered id: set it just before `start`.
    await this.redis.call('XGROUP', 'SETID', request.stream, request.group, positionBefore(start));
    return { entries: await this.countFrom(request.stream, start) };
  }

  async stats(stream: string, group?: string): Promise<StreamStats> {
    const length = Number(await this.redis.call('XLEN', stream));
    if (length === 0 && !(await this.redis.exists(stream))) return { stream, length: 0, groups: [] };
    const raw = (await this.redis.call('XINFO', 'GROUPS', stream)) as unknown[][];
    const groups = [];
    for (const info of raw.map(pairs)) {
      const name = String(info['name']);
      if (group && name !== group) continue;
      groups.push({
        group: name,
        consumers: Number(info['consumers']),
        pending: Number(info['pending']),
        lag: info['lag'] == null ? null : Number(info['lag']),
        deadLettered: Number(await this.redis.call('XLEN', deadLetterKey(stream, name))),
      });
    }
    return { stream, length, groups };
  }

  /** Entries of a group's dead-letter stream, oldest first. */
  async deadLetters(
    stream: string,
    group: string,
    count = 100,
  ): Promise<{ id: string; fields: Record<string, string> }[]> {
    const entries = (await this.redis.call(
      'XRANGE',
      deadLetterKey(stream, group),
      '-',
      '+',
      'COUNT',
      count,
    )) as Entry[];
    return entries.map(([id, fields]) => ({ id, fields: fieldMap(fields) }));
  }

  private async replayDeadLetters(stream: string, group: string, ids?: readonly string[]): Promise<ReplayResult> {
    const dlq = deadLetterKey(stream, group);
    let entries = 0;
    const maxLen = (this.options.maxLenOf ?? declaredMaxLen)(stream);
    for (;;) {
      const batch = ids
        ? ((await Promise.all(ids.map((id) => this.redis.call('XRANGE', dlq, id, id)))) as Entry[][]).flat()
        : ((await this.redis.call('XRANGE', dlq, '-', '+', 'COUNT', 100)) as Entry[]);
      if (!batch.length) return { entries };
      for (const [id, fields] of batch) {
        const letter = fieldMap(fields);
        const event = letter[EVENT] ?? '';
        // Back on the stream for this group only, out of the dead-letter stream, in one step.
        const replies = await this.redis
          .multi()
          .call(
            ...xadd(stream, maxLen, ['id', letter['eventId'] ?? '', 'type', 'replay', EVENT, event, REPLAY_FOR, group]),
          )
          .call('XDEL', dlq, id)
          .exec();
        const failed = replies?.find(([error]) => error);
        if (failed) throw failed[0];
        entries += 1;
      }
      if (ids) return { entries };
    }
  }

  private async countFrom(stream: string, start: string): Promise<number> {
    let count = 0;
    let from = start;
    for (;;) {
      const entries = (await this.redis.call('XRANGE', stream, from, '+', 'COUNT', 1000)) as Entry[];
      count += entries.length;
      if (entries.length < 1000) return count;
      from = `(${entries.at(-1)![0]}`;
    }
  }
}

/** The stream id just before `position` (XGROUP SETID delivers what comes after the id it is given). */
export function positionBefore(position: string): string {
  const [ms, seq = '0'] = position.split('-');
  const sequence = BigInt(seq);
  if (sequence > 0n) return `${ms}-${sequence - 1n}`;
  const time = BigInt(ms!);
  return time > 0n ? `${time - 1n}-18446744073709551615` : '0-0';
}

/** The aggregate an entry's event belongs to, when it parses. */
function aggregateOf([, fields]: Entry): string | undefined {
  try {
    const event = JSON.parse(fieldMap(fields)[EVENT] ?? '') as { aggregateType?: unknown; aggregateId?: unknown };
    return typeof event.aggregateId === 'string' ? `${String(event.aggregateType)}:${event.aggregateId}` : undefined;
  } catch {
    return undefined;
  }
}

function fieldMap(fields: string[] | null): Record<string, string> {
  const map: Record<string, string> = {};
  for (let i = 0; fields && i + 1 < fields.length; i += 2) map[fields[i]!] = fields[i + 1]!;
  return map;
}

function pairs(flat: unknown[]): Record<string, unknown> {
  const map: Record<string, unknown> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) map[String(flat[i])] = flat[i + 1];
  return map;
}

/** Who holds an entry while handling it: unique per process, readable in XINFO CONSUMERS. */
export function consumerName(): string {
  return `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
}

/**
 * One member of a consumer group, reading until stopped:
 *  1. every claimIdleMs/2, XAUTOCLAIM takes over entries idle past claimIdleMs (a crashed
 *     consumer's, or ones whose handler failed) and delivers them again;
 *  2. XREADGROUP … BLOCK reads new entries;
 *  3. each entry: validate → handler → XACK, one aggregate's entries in stream order, up to
 *     `concurrency` aggregates at once. A handler error leaves the entry pending
 *     (delivered again after claimIdleMs); on its maxDeliveries-th failure, or when it arrives past
 *     that count, or when it is invalid, it goes to the group's dead-letter stream and is acked.
 * A Redis error ends the loop (`done` rejects); the worker supervisor starts a new one.
 */
class StreamSubscription implements Subscription {
  readonly done: Promise<void>;
  private stopping = false;
  private readonly consumer: string;
  private readonly reader: Redis;
  private claimCursor = '0-0';

  constructor(
    private readonly bus: RedisStreamsBus,
    redis: Redis,
    private readonly options: SubscribeOptions,
  ) {
    this.consumer = options.consumer ?? consumerName();
    this.reader = redis.duplicate();
    this.done = this.run().finally(() => this.reader.disconnect());
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.done.catch(() => undefined);
  }

  private get claimIdleMs() {
    return this.options.claimIdleMs ?? 30_000;
  }

  private async run(): Promise<void> {
    await this.ensureGroup();
    let claimAt = 0;
    while (!this.stopping) {
      try {
        if (Date.now() >= claimAt) {
          await this.claim();
          claimAt = Date.now() + this.claimIdleMs / 2;
        }
        if (this.stopping) break;
        const entries = await this.read();
        // Entries in hand are finished even when a stop arrives meanwhile: they are ours (pending).
        await this.handleAll(entries.map((entry) => [entry, 1]));
      } catch (error) {
        if (!/NOGROUP/.test((error as Error).message)) throw error;
        // The stream or its group vanished (a Redis that lost its data): make them again.
        await this.ensureGroup();
      }
    }
  }

  private async ensureGroup(): Promise<void> {
    try {
      await this.reader.call(
        'XGROUP',
        'CREATE',
        this.options.stream,
        this.options.group,
        this.options.startAt ?? '0',
        'MKSTREAM',
      );
    } catch (error) {
      if (!/BUSYGROUP/.test((error as Error).message)) throw error;
    }
  }

  private async read(): Promise<Entry[]> {
    const reply = (await this.reader.call(
      'XREADGROUP',
      'GROUP',
      this.options.group,
      this.consumer,
      'COUNT',
      this.options.batchSize ?? 50,
      'BLOCK',
      this.options.blockMs ?? 2_000,
      'STREAMS',
      this.options.stream,
      '>',
    )) as [string, Entry[]][] | [string, Entry[]] | null;
    if (!reply) return [];
    // RESP3 answers a map (ioredis flattens it to [key, entries]); RESP2 a list of [key, entries].
    return ((typeof reply[0] === 'string' ? reply[1] : reply[0]?.[1]) as Entry[] | undefined) ?? [];
  }

  /** Take over entries idle past claimIdleMs and deliver them again, with their delivery counts. */
  private async claim(): Promise<void> {
    const [next, entries] = (await this.reader.call(
      'XAUTOCLAIM',
      this.options.stream,
      this.options.group,
      this.consumer,
      this.claimIdleMs,
      this.claimCursor,
      'COUNT',
      this.options.batchSize ?? 50,
    )) as [string, Entry[], string[]];
    this.claimCursor = next;
    const live = entries.filter(([, fields]) => fields);
    if (!live.length) return;
    const pending = (await this.reader.call(
      'XPENDING',
      this.options.stream,
      this.options.group,
      live[0]![0],
      live.at(-1)![0],
      live.length,
      this.consumer,
    )) as [string, string, number, number][];
    const deliveries = new Map(pending.map(([id, , , count]) => [id, Number(count)]));
    await this.handleAll(live.map((entry) => [entry, deliveries.get(entry[0]) ?? 2]));
  }

  /**
   * A batch in lanes, one per aggregate (an entry that does not parse is a lane of its own): each
   * lane in stream order, up to `concurrency` lanes at once.
   */
  private async handleAll(batch: [Entry, number][]): Promise<void> {
    const lanes = new Map<string, [Entry, number][]>();
    for (const item of batch) {
      const key = aggregateOf(item[0]) ?? `entry:${item[0][0]}`;
      const lane = lanes.get(key);
      if (lane) lane.push(item);
      else lanes.set(key, [item]);
    }
    const queue = [...lanes.values()];
    const lane = async () => {
      for (let next = queue.shift(); next; next = queue.shift()) {
        for (const [entry, deliveries] of next) await this.handle(entry, deliveries);
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, this.options.concurrency ?? 4) }, lane));
  }

  private async handle([position, rawFields]: Entry, deliveries: number): Promise<void> {
    const { stream, group, handler, validate, observe } = this.options;
    const maxDeliveries = this.options.maxDeliveries ?? 5;
    const fields = fieldMap(rawFields);
    const base = { stream, group, consumer: this.consumer, position, deliveries };
    if (fields[REPLAY_FOR] && fields[REPLAY_FOR] !== group) {
      await this.bus.ack(stream, group, [position]);
      observe?.({ kind: 'ignored', stream, group, position, reason: `replayed for ${fields[REPLAY_FOR]}` });
      return;
    }
    const raw = fields[EVENT] ?? '';
    const letter = (reason: DeadLetter['reason'], error: string, extra: Partial<DeadLetter> = {}) =>
      this.deadLetter({ ...base, reason, error, raw, eventId: fields['id'] || undefined, ...extra });
    let event: unknown;
    try {
      event = JSON.parse(raw);
    } catch (error) {
      return letter('invalid', `not JSON: ${(error as Error).message}`);
    }
    const problems = validate(event);
    if (problems.length) {
      return letter('invalid', problems.map((p) => `${p.code} ${p.path || '/'} ${p.message}`).join('; '), {
        problems,
      });
    }
    if (deliveries > maxDeliveries) {
      return letter('too-many-deliveries', `delivered ${deliveries} times without an ack (its consumers died?)`);
    }
    const delivery: Delivery = { ...base, event: event as EventEnvelope };
    const started = performance.now();
    try {
      await handler(delivery.event, delivery);
    } catch (error) {
      if (deliveries >= maxDeliveries) return letter('handler-failed', (error as Error).message ?? String(error));
      observe?.({ kind: 'failed', delivery, error: error as Error });
      return; // stays pending: delivered again after claimIdleMs
    }
    await this.bus.ack(stream, group, [position]);
    observe?.({ kind: 'handled', delivery, ms: performance.now() - started });
  }

  private async deadLetter(letter: DeadLetter): Promise<void> {
    await this.bus.deadLetter(letter);
    this.options.observe?.({ kind: 'dead-lettered', letter });
  }
}
