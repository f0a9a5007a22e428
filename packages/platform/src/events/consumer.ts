import type { Logger } from '../logger';
import type { Worker } from '../worker';
import type { DeliveryOutcome, EventBus, EventHandler, StreamStats, SubscribeOptions, Subscription } from './bus';
import type { EventMetrics } from './event-metrics';
import { logFields } from './log-fields';
import type { EventRegistry } from './registry';

export interface ConsumerOptions extends Pick<
  SubscribeOptions,
  'consumer' | 'startAt' | 'batchSize' | 'concurrency' | 'blockMs' | 'claimIdleMs' | 'maxDeliveries'
> {
  bus: EventBus;
  registry: EventRegistry;
  logger: Logger;
  metrics?: EventMetrics;
  /** The stream's key (streamKey(stream, namespace)). */
  stream: string;
  /** The consuming service (one group per service). */
  group: string;
  handler: EventHandler;
  name?: string;
  /** /readyz fails when more than this many entries wait for the group (undelivered + pending). */
  maxBacklog?: number;
}

/**
 * A consumer group member as a supervised worker: every entry validated against its schema, the
 * handler run, acked after it returns; failures retried and dead-lettered by the bus. Logs carry
 * the event id and correlation id; metrics count every outcome.
 */
export class EventConsumer implements Worker {
  readonly name: string;
  private stopping = false;
  private subscription: Subscription | undefined;

  constructor(private readonly options: ConsumerOptions) {
    this.name = options.name ?? `consumer:${options.group}:${options.stream}`;
    options.metrics?.watchGroup(() => this.stats());
  }

  run(): Promise<void> {
    if (this.stopping) return Promise.resolve();
    const { bus, registry, handler, stream, group } = this.options;
    this.subscription = bus.subscribe({
      stream,
      group,
      consumer: this.options.consumer,
      startAt: this.options.startAt,
      batchSize: this.options.batchSize,
      concurrency: this.options.concurrency,
      blockMs: this.options.blockMs,
      claimIdleMs: this.options.claimIdleMs,
      maxDeliveries: this.options.maxDeliveries,
      handler,
      validate: (event) => registry.validate(event),
      observe: (outcome) => this.observe(outcome),
    });
    return this.subscription.done;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.subscription?.stop();
  }

  async check(): Promise<{ detail: StreamStats['groups'][number] | { group: string; pending: 0; lag: 0 } }> {
    const stats = await this.stats();
    const group = stats.groups[0] ?? { group: this.options.group, pending: 0 as const, lag: 0 as const };
    const backlog = (group.lag ?? 0) + group.pending;
    const max = this.options.maxBacklog ?? 10_000;
    if (backlog > max) throw new Error(`lagging: ${group.lag ?? '?'} undelivered, ${group.pending} pending`);
    return { detail: group };
  }

  stats(): Promise<StreamStats> {
    return this.options.bus.stats(this.options.stream, this.options.group);
  }

  private observe(outcome: DeliveryOutcome): void {
    const { logger, metrics, stream, group } = this.options;
    switch (outcome.kind) {
      case 'handled': {
        const { delivery } = outcome;
        metrics?.consumed.inc({ stream, group, outcome: 'handled' });
        if (delivery.deliveries > 1) metrics?.retries.inc({ stream, group });
        metrics?.endToEnd.observe(
          { stream, group },
          Math.max(0, (Date.now() - Date.parse(delivery.event.occurredAt)) / 1000),
        );
        logger.debug({ ...logFields(delivery.event), stream, group, ms: outcome.ms }, 'event handled');
        return;
      }
      case 'failed': {
        const { delivery, error } = outcome;
        metrics?.consumed.inc({ stream, group, outcome: 'failed' });
        if (delivery.deliveries > 1) metrics?.retries.inc({ stream, group });
        logger.warn(
          { ...logFields(delivery.event), stream, group, deliveries: delivery.deliveries, err: error },
          'event handler failed; the event will be delivered again',
        );
        return;
      }
      case 'dead-lettered': {
        const { letter } = outcome;
        metrics?.deadLettered.inc({ stream, group, reason: letter.reason });
        logger.error(
          {
            eventId: letter.eventId,
            correlationId: correlationOf(letter.raw),
            stream,
            group,
            position: letter.position,
            deliveries: letter.deliveries,
            reason: letter.reason,
            error: letter.error,
          },
          'event dead-lettered',
        );
        return;
      }
      case 'ignored':
        metrics?.consumed.inc({ stream, group, outcome: 'ignored' });
        return;
    }
  }
}

/** The correlation id of an entry that may not even parse (it was dead-lettered). */
function correlationOf(raw: string): string | undefined {
  try {
    const id = (JSON.parse(raw) as { correlationId?: unknown }).correlationId;
    return typeof id === 'string' ? id : undefined;
  } catch {
    return undefined;
  }
}
