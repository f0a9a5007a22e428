import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Redis } from 'ioredis';
import { createMetrics, createRedis } from '@polystore/platform';
import { canonicalJson, UnorderedDigest } from './digest';
import { batches, LineWriter, readLines } from './lines';
import { recordFile, type ObjectRecord, type PartRecord } from './manifest';
import type { Inventory, PartBackup, ProgressFactory, RestoreOutcome, StorePart } from './part';

export interface KeySpaceTarget {
  service: string;
  /** The key space's name in the backup: `gateway`, `accounts`, `cart`, `events`. */
  name: string;
  /** A user that may DUMP and RESTORE (RESTORE is @dangerous: the admin user, REDIS_URL). */
  url: string;
  /** `cart:` in the product, `cart:t_<suffix>:` in a test. */
  prefix: string;
}

/** One key of the dump file. */
interface KeyLine {
  /** The key without the key space's prefix, so a restore may put it under another prefix. */
  k: string;
  /** TYPE: string, hash, set, zset, list, stream. */
  t: string;
  /** When it expires (ms since the epoch, PEXPIRETIME), or -1: restored with ABSTTL, so it expires when it would have. */
  x: number;
  /** DUMP's payload (base64): RESTORE checks its CRC64 and RDB version. */
  d: string;
  /** A stream's entries and consumer groups. */
  s?: StreamState;
}

interface StreamState {
  entries: number;
  groups: { name: string; consumers: number; pending: number; lastDeliveredId: string }[];
}

const BATCH = 500;
/** Keys expiring sooner than this after a restore are tracked one by one, so the check after it may drop the ones gone by then. */
const NEAR_EXPIRY_MS = 3_600_000;

/** A test run's own namespace inside a key space (test-support/redis.ts). */
const TEST_NAMESPACE = /^t_[0-9a-z]+:/;

const escapeGlob = (s: string) => s.replace(/[*?[\]\\]/g, (c) => `\\${c}`);

function parseGroups(raw: unknown): StreamState['groups'] {
  if (!Array.isArray(raw)) return [];
  return raw
    .map((flat: unknown[]) => {
      const g: Record<string, unknown> = {};
      for (let i = 0; i + 1 < flat.length; i += 2) g[String(flat[i])] = flat[i + 1];
      return {
        name: String(g['name']),
        consumers: Number(g['consumers']),
        pending: Number(g['pending']),
        lastDeliveredId: String(g['last-delivered-id']),
      };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** The manifest's objects of a key space: the key space (keys; names, types, expiry) and each stream. */
class KeySpaceObjects {
  readonly keys = new UnorderedDigest();
  private readonly streams: ObjectRecord[] = [];

  constructor(private readonly name: string) {}

  clone(): KeySpaceObjects {
    const copy = new KeySpaceObjects(this.name);
    copy.keys.merge(this.keys);
    copy.streams.push(...this.streams);
    return copy;
  }

  add(key: Pick<KeyLine, 'k' | 't' | 'x' | 's'>): void {
    this.keys.add(canonicalJson([key.k, key.t, key.x]));
    if (key.s) {
      this.streams.push({ kind: 'stream', name: key.k, count: key.s.entries, checksum: canonicalJson(key.s.groups) });
    }
  }

  records(): ObjectRecord[] {
    return [
      { kind: 'key space', name: this.name, count: this.keys.count, checksum: this.keys.hex },
      ...this.streams.sort((a, b) => a.name.localeCompare(b.name)),
    ];
  }
}

/**
 * One declared Redis key space, dumped logically: every key under its prefix with DUMP (any type,
 * streams with their consumer groups and pending entries), its type and its absolute expiry time,
 * read together in one MULTI per batch. A restore targets one key space (one service) and may put
 * it under another prefix.
 */
export class RedisKeySpacePart implements StorePart {
  readonly store = 'redis' as const;
  readonly id: string;
  readonly service: string;
  readonly where: string;
  private client?: Redis;

  constructor(private readonly target: KeySpaceTarget) {
    this.service = target.service;
    this.id = `redis/${target.name}`;
    this.where = `Redis keys ${target.prefix}*`;
  }

  private async redis(): Promise<Redis> {
    if (!this.client) {
      // a bulk job, not a request: long deadlines
      this.client = createRedis(this.target.url, createMetrics('backup'), { commandTimeout: 60_000 });
      await this.client.connect();
    }
    return this.client;
  }

  private file(): string {
    return `redis/${this.target.name}.jsonl`;
  }

  /**
   * Every key under the prefix but those of test runs (`<prefix>t_<suffix>:…`, m2m/README.md), which
   * share the stack's key spaces: a backup of `cart:` is the product's carts, not a test's.
   */
  private async scanKeys(): Promise<string[]> {
    const redis = await this.redis();
    const found = new Set<string>();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${escapeGlob(this.target.prefix)}*`, 'COUNT', 1000);
      cursor = next;
      for (const key of keys) if (!TEST_NAMESPACE.test(key.slice(this.target.prefix.length))) found.add(key);
    } while (cursor !== '0');
    return [...found].sort();
  }

  /** Type, expiry, payload and stream state of each key, each key's reads in one MULTI. */
  private async readKeys(keys: string[], withPayload: boolean): Promise<KeyLine[]> {
    const multi = (await this.redis()).multi();
    for (const key of keys) {
      multi.type(key).pexpiretime(key).xlen(key).xinfo('GROUPS', key);
      if (withPayload) multi.dumpBuffer(key);
    }
    const results = (await multi.exec()) ?? [];
    const per = withPayload ? 5 : 4;
    const lines: KeyLine[] = [];
    keys.forEach((key, i) => {
      const at = (n: number) => results[i * per + n] ?? [null, null];
      const type = String(at(0)[1]);
      if (type === 'none') return; // expired or deleted since the SCAN
      const expireAt = Number(at(1)[1]);
      const line: KeyLine = {
        k: key.slice(this.target.prefix.length),
        t: type,
        x: expireAt > 0 ? expireAt : -1,
        d: withPayload ? (at(4)[1] as Buffer).toString('base64') : '',
      };
      if (type === 'stream') line.s = { entries: Number(at(2)[1]), groups: parseGroups(at(3)[1]) };
      lines.push(line);
    });
    return lines;
  }

  async backup(folder: string, progress: ProgressFactory): Promise<PartBackup> {
    mkdirSync(path.join(folder, 'redis'), { recursive: true });
    const keys = await this.scanKeys();
    const step = progress(`${this.id}: keys`, keys.length);
    const objects = new KeySpaceObjects(this.target.name);
    const out = new LineWriter(path.join(folder, this.file()));
    for (let i = 0; i < keys.length; i += BATCH) {
      const batch = keys.slice(i, i + BATCH);
      for (const line of await this.readKeys(batch, true)) {
        objects.add(line);
        await out.write(JSON.stringify(line));
      }
      step.tick(batch.length);
    }
    await out.close();
    step.finish();
    return {
      source: this.target.prefix,
      objects: objects.records(),
      files: [await recordFile(folder, this.file())],
      details: {},
    };
  }

  async contents(): Promise<string | null> {
    const n = (await this.scanKeys()).length;
    return n ? `${n} key${n === 1 ? '' : 's'}` : null;
  }

  async clean(): Promise<void> {
    const redis = await this.redis();
    const keys = await this.scanKeys();
    for (let i = 0; i < keys.length; i += BATCH) await redis.unlink(...keys.slice(i, i + BATCH));
  }

  async restore(folder: string, record: PartRecord, progress: ProgressFactory): Promise<RestoreOutcome> {
    const redis = await this.redis();
    const total = record.objects.find((o) => o.kind === 'key space')?.count ?? 0;
    const step = progress(`${this.id}: keys`, total);
    const lasting = new KeySpaceObjects(this.target.name);
    const nearExpiry: KeyLine[] = [];
    let expired = 0;
    for await (const batch of batches(readLines(path.join(folder, this.file())), BATCH)) {
      const pipeline = redis.pipeline();
      const restored: KeyLine[] = [];
      const now = Date.now();
      for (const text of batch) {
        const line = JSON.parse(text) as KeyLine;
        if (line.x !== -1 && line.x <= now) {
          expired++;
          continue;
        }
        const key = this.target.prefix + line.k;
        const payload = Buffer.from(line.d, 'base64');
        if (line.x === -1) pipeline.restore(key, 0, payload);
        else pipeline.restore(key, line.x, payload, 'ABSTTL');
        restored.push(line);
        if (line.x !== -1 && line.x < now + NEAR_EXPIRY_MS) nearExpiry.push({ ...line, d: '' });
        else lasting.add(line);
      }
      const results = (await pipeline.exec()) ?? [];
      results.forEach(([error], i) => {
        if (error) throw new Error(`RESTORE ${this.target.prefix}${restored[i]!.k}: ${error.message}`);
      });
      step.tick(batch.length);
    }
    step.finish();
    return {
      // The keys that had not expired by the time of the check after the restore.
      expected: (asOf) => {
        const objects = lasting.clone();
        for (const line of nearExpiry) if (line.x > asOf) objects.add(line);
        return objects.records();
      },
      notes: expired ? [`${expired} keys had expired since the backup and were not restored`] : [],
    };
  }

  async inventory(): Promise<Inventory> {
    const keys = await this.scanKeys();
    const lines: KeyLine[] = [];
    for (let i = 0; i < keys.length; i += BATCH) lines.push(...(await this.readKeys(keys.slice(i, i + BATCH), false)));
    // Redis's own clock: a key it expired while this ran is left out on both sides.
    const [seconds, micros] = await (await this.redis()).time();
    const asOf = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
    const objects = new KeySpaceObjects(this.target.name);
    for (const line of lines) if (line.x === -1 || line.x > asOf) objects.add(line);
    return { objects: objects.records(), asOf };
  }

  async close(): Promise<void> {
    this.client?.disconnect();
    this.client = undefined;
  }
}
