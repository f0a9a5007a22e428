import type { GatewayConfig } from '@apollo/gateway';
import { LRUCache } from 'lru-cache';
import type { GatewayMetrics } from './plugins/metrics';

type QueryPlanCache = NonNullable<NonNullable<GatewayConfig['queryPlannerConfig']>['cache']>;
type QueryPlan = NonNullable<Awaited<ReturnType<QueryPlanCache['get']>>>;

/** The size @apollo/gateway itself charges a plan: its JSON length. */
const approximateSize = (plan: QueryPlan) => Math.max(1, Buffer.byteLength(JSON.stringify(plan), 'utf8'));

/**
 * The gateway's query-plan cache (what @apollo/gateway builds by default: an LRU bounded by the plans'
 * approximate size), counted: hits, misses, entries and bytes appear on /metrics.
 * Handed to ApolloGateway as `queryPlannerConfig.cache`.
 */
export class InstrumentedPlanCache implements QueryPlanCache {
  private readonly lru: LRUCache<string, QueryPlan>;

  private readonly lookups: GatewayMetrics['planCacheLookups'] | undefined;

  constructor(maxBytes: number, metrics?: GatewayMetrics) {
    this.lru = new LRUCache<string, QueryPlan>({ maxSize: maxBytes, sizeCalculation: approximateSize });
    this.lookups = metrics?.planCacheLookups;
    metrics?.watchPlanCache(() => this.stats);
  }

  async get(key: string): Promise<QueryPlan | undefined> {
    const plan = this.lru.get(key);
    this.lookups?.inc({ result: plan ? 'hit' : 'miss' });
    return plan;
  }

  async set(key: string, plan: QueryPlan): Promise<void> {
    this.lru.set(key, plan);
  }

  async delete(key: string): Promise<boolean> {
    return this.lru.delete(key);
  }

  clear(): void {
    this.lru.clear();
  }

  get stats(): { entries: number; bytes: number } {
    return { entries: this.lru.size, bytes: this.lru.calculatedSize };
  }
}
