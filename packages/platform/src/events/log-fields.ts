import type { EventEnvelope } from './envelope';

/** What every relay and consumer log line about an event carries: find it, and its request, in the logs. */
export function logFields(event: Pick<EventEnvelope, 'id' | 'type' | 'aggregateId' | 'correlationId' | 'causationId'>) {
  return {
    eventId: event.id,
    eventType: event.type,
    aggregateId: event.aggregateId,
    correlationId: event.correlationId,
    causationId: event.causationId,
  };
}
