import type { Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';
import { Counter, type Registry } from 'prom-client';
import type { ProductDoc } from '../models';

/**
 * Products by id, cached in two levels in front of the store (the design's multi-level cache):
 * L1 in this process (bounded, a few seconds: other instances' writes show within that TTL),
 * L2 in Redis shared by every catalog instance (`cat:product:<id>`, minutes).
 *
 * Freshness: a write stores the new document in both levels unconditionally (write-through);
 * a reader that loaded a document from the store only fills L2 if the key is absent (SET NX), so
 * a reader holding an older copy can never overwrite a newer one a writer just stored.
 *
 * A Redis that cannot answer is skipped, never waited on: its client has no offline queue (a
 * command fails at once while the connection is down) and a short command timeout; a lookup that
 * fails is a miss (read from the store), a write that fails is dropped. Each is reported to
 * `onUnavailable` (store_fallbacks_total{use="product_cache"}).
 */
export interface ProductCache {
  getMany(ids: readonly string[]): Promise<Map<string, ProductDoc>>;
  /** After a read from the store: fill, never overwriting. */
  fill(products: ProductDoc[]): Promise<void>;
  /** After a write: the newest version, unconditionally. */
  put(product: ProductDoc): Promise<void>;
}

const key = (id: string) => `cat:product:${id}`;

function revive(json: string): ProductDoc {
  const doc = JSON.parse(json) as ProductDoc & { createdAt: string; updatedAt: string };
  return { ...doc, createdAt: new Date(doc.createdAt), updatedAt: new Date(doc.updatedAt) };
}

export class TwoLevelProductCache implements ProductCache {
  private readonly l1: LRUCache<string, ProductDoc> | undefined;
  private readonly lookups: Counter<'level' | 'result'>;

  constructor(
    private readonly redis: Redis | undefined,
    options: { l1Seconds: number; l2Seconds: number; l1Max?: number; registry: Registry; onUnavailable?: () => void },
  ) {
    this.onUnavailable = options.onUnavailable ?? (() => undefined);
    this.l1 =
      options.l1Seconds > 0 ? new LRUCache({ max: options.l1Max ?? 10_000, ttl: options.l1Seconds * 1000 }) : undefined;
    this.l2Seconds = options.l2Seconds;
    this.lookups = new Counter({
      name: 'catalog_product_cache_lookups_total',
      help: 'Product-by-id cache lookups, by level (l1 process, l2 Redis) and result',
      labelNames: ['level', 'result'],
      registers: [options.registry],
    });
  }

  private readonly l2Seconds: number;
  private readonly onUnavailable: () => void;

  async getMany(ids: readonly string[]): Promise<Map<string, ProductDoc>> {
    const found = new Map<string, ProductDoc>();
    let missing = [...new Set(ids)];
    if (this.l1) {
      missing = missing.filter((id) => {
        const hit = this.l1!.get(id);
        if (hit) found.set(id, hit);
        return !hit;
      });
      this.count('l1', found.size, missing.length);
    }
    if (this.redis && missing.length) {
      const values = await this.redis.mget(...missing.map(key)).catch(() => {
        this.onUnavailable();
        return null;
      });
      if (!values) return found;
      let hits = 0;
      missing.forEach((id, i) => {
        const value = values[i];
        if (!value) return;
        const doc = revive(value);
        found.set(id, doc);
        this.l1?.set(id, doc);
        hits++;
      });
      this.count('l2', hits, missing.length - hits);
    }
    return found;
  }

  async fill(products: ProductDoc[]): Promise<void> {
    for (const p of products) this.l1?.set(p._id, p);
    if (!this.redis || !products.length) return;
    const pipeline = this.redis.pipeline();
    for (const p of products) pipeline.set(key(p._id), JSON.stringify(p), 'EX', this.l2Seconds, 'NX');
    const results = await pipeline.exec().catch(() => null);
    if (!results || results.some(([error]) => error)) this.onUnavailable();
  }

  async put(product: ProductDoc): Promise<void> {
    this.l1?.set(product._id, product);
    await this.redis?.set(key(product._id), JSON.stringify(product), 'EX', this.l2Seconds).catch(this.onUnavailable);
  }

  private count(level: 'l1' | 'l2', hits: number, misses: number): void {
    if (hits) this.lookups.inc({ level, result: 'hit' }, hits);
    if (misses) this.lookups.inc({ level, result: 'miss' }, misses);
  }
}
