import { Counter, Gauge, type Registry } from 'prom-client';
import { AppError, ErrorCode } from './errors';
import { optional, type ReadinessCheck } from './health';
import { throttledLog, type ThrottledLog } from './log-throttle';
import type { Logger } from './logger';
import type { ServiceMetrics } from './metrics';

/** What a client gets while a store its request needs is down: retryable, and no store named. */
export class StoreUnavailableError extends AppError {
  constructor(readonly store: string) {
    super(ErrorCode.SERVICE_UNAVAILABLE, 'A store this request needs is unavailable; try again shortly');
    this.name = 'StoreUnavailableError';
  }
}

export interface StoreGuardOptions {
  /** The store as logs and metrics name it: `postgres`, `mongodb`, `redis`, `elasticsearch`. */
  store: string;
  /** Whether an error says the store could not be reached or is not taking work — not that a query was wrong. */
  isUnavailable: (error: unknown) => boolean;
  /** A cheap round trip (a ping) that succeeds once the store answers again; sent only while it is down. */
  probe: () => Promise<unknown>;
  /** A store the service can do without (a cache): its readiness check is optional ("degraded"). */
  optional?: boolean;
  logger: Logger;
  metrics: ServiceMetrics;
  /** How often the probe runs while the store is down (ms). */
  probeEveryMs?: number;
  /** How long one probe may take (ms). */
  probeTimeoutMs?: number;
  now?: () => number;
}

/** One metric per registry, however many guards a service has. */
function shared<T>(registry: Registry, name: string, make: (registers: Registry[]) => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? make([registry]);
}

function storeMetrics(registry: Registry) {
  return {
    available: shared(
      registry,
      'store_available',
      (registers) =>
        new Gauge({
          name: 'store_available',
          help: 'Whether the service can reach the store (1) or knows it down (0)',
          labelNames: ['store'],
          registers,
        }),
    ),
    refused: shared(
      registry,
      'store_refused_total',
      (registers) =>
        new Counter({
          name: 'store_refused_total',
          help: 'Store calls refused at once (SERVICE_UNAVAILABLE) because the store was known down',
          labelNames: ['store'],
          registers,
        }),
    ),
  };
}

/**
 * What a service knows about one of its stores, and what it does about it (docs/adr/0011). The
 * first sign that the store cannot be reached — a failed call that `isUnavailable` recognises, or
 * the driver's own news (`markDown`) — makes it "down": from then on every call through `run` (or
 * `assertAvailable`) fails at once with SERVICE_UNAVAILABLE, instead of waiting for a connection or
 * a driver timeout, and the store is probed every `probeEveryMs` until it answers again. The outage
 * is logged once when it starts and once when it ends, with lines in between at most every 10 s.
 * Errors that are the caller's (a bad query, a conflict) pass through untouched and count for nothing.
 */
export class StoreGuard {
  readonly store: string;
  readonly optional: boolean;
  private down: { since: number; reason: string; refused: number } | null = null;
  private probeTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly throttled: ThrottledLog;
  private readonly metric: ReturnType<typeof storeMetrics>;
  private readonly now: () => number;

  constructor(private readonly options: StoreGuardOptions) {
    this.store = options.store;
    this.optional = options.optional ?? false;
    this.now = options.now ?? Date.now;
    this.throttled = throttledLog(options.logger, { now: this.now });
    this.metric = storeMetrics(options.metrics.registry);
    this.metric.available.set({ store: this.store }, 1);
  }

  /** False from the first sign of an outage until the store answers again. */
  get available(): boolean {
    return this.down === null;
  }

  /** Run a call to the store: refused at once while it is known down; its unreachability becomes SERVICE_UNAVAILABLE. */
  async run<T>(call: () => Promise<T>): Promise<T> {
    this.assertAvailable();
    try {
      return await call();
    } catch (error) {
      throw this.translate(error);
    }
  }

  /** Throws SERVICE_UNAVAILABLE, sending nothing, while the store is known down. */
  assertAvailable(): void {
    if (!this.down) return;
    this.down.refused++;
    this.metric.refused.inc({ store: this.store });
    throw new StoreUnavailableError(this.store);
  }

  /** Whether an error (or its causes) says this store could not be reached. */
  isUnavailable(error: unknown): boolean {
    return this.options.isUnavailable(error);
  }

  /**
   * What an error from the store becomes: SERVICE_UNAVAILABLE when it says the store could not be
   * reached (the store is then known down), the error itself otherwise.
   */
  translate(error: unknown): unknown {
    if (error instanceof StoreUnavailableError) return error;
    if (!this.options.isUnavailable(error)) return error;
    this.markDown(error);
    return new StoreUnavailableError(this.store);
  }

  /** The store cannot be reached: an error that said so, or the driver's own news (a lost connection). */
  markDown(reason: unknown): void {
    const message = summary(reason);
    if (this.down) {
      this.throttled('warn', 'down', { store: this.store, err: message }, `${this.store} still unavailable`);
      return;
    }
    this.down = { since: this.now(), reason: message, refused: 0 };
    this.metric.available.set({ store: this.store }, 0);
    this.options.logger.warn(
      { store: this.store, err: message },
      `${this.store} unavailable: its calls are refused (SERVICE_UNAVAILABLE) until it answers again`,
    );
    this.probeSoon(0);
  }

  /** The store answers again (a probe, or the driver's news that it reconnected). */
  markUp(): void {
    if (!this.down) return;
    const { since, refused } = this.down;
    this.down = null;
    clearTimeout(this.probeTimer);
    this.metric.available.set({ store: this.store }, 1);
    this.options.logger.info(
      { store: this.store, downMs: this.now() - since, refused },
      `${this.store} available again`,
    );
  }

  /** For /readyz: fails at once while the store is known down, else asks the store (the probe). */
  readiness(): ReadinessCheck {
    const check = async () => {
      if (this.down) {
        throw new Error(`unavailable since ${new Date(this.down.since).toISOString()}: ${this.down.reason}`);
      }
      try {
        await this.options.probe();
      } catch (error) {
        this.translate(error);
        throw error;
      }
    };
    return this.optional ? optional(check) : check;
  }

  /** Stop probing (the service is stopping); what it knows stays as it is. */
  close(): void {
    this.closed = true;
    clearTimeout(this.probeTimer);
  }

  private probeSoon(delayMs: number): void {
    if (this.closed) return;
    this.probeTimer = setTimeout(() => void this.probe(), delayMs);
    this.probeTimer.unref();
  }

  private async probe(): Promise<void> {
    if (!this.down || this.closed) return;
    const timeoutMs = this.options.probeTimeoutMs ?? 1_000;
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.options.probe(),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`probe: no answer within ${timeoutMs} ms`)), timeoutMs);
        }),
      ]);
      this.markUp();
    } catch {
      this.probeSoon(this.options.probeEveryMs ?? 250);
    } finally {
      clearTimeout(timer);
    }
  }
}

/** A driver's message in one line: its last non-empty line (Prisma puts the cause last), at most 300 characters. */
function summary(reason: unknown): string {
  const text = reason instanceof Error ? reason.message : String(reason);
  const lines = text.split('\n').map((line) => line.trim());
  return (lines.filter(Boolean).at(-1) ?? text).slice(0, 300);
}

/** Which of a service's stores an error says is unreachable, if any (the first guard that recognises it). */
export function unreachableStore(error: unknown, guards: readonly StoreGuard[]): StoreGuard | undefined {
  return guards.find((guard) => guard.isUnavailable(error));
}
