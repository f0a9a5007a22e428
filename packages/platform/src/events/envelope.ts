import { v7 as uuidv7 } from 'uuid';

/**
 * One event as every store and the bus carry it (schema/events/envelope.json). `data` is fixed by
 * the type's own schema, schema/events/<type>.v<version>.json.
 */
export interface EventEnvelope<TData extends object = Record<string, unknown>> {
  /** UUID v7: unique and time-ordered; consumers deduplicate on it. */
  id: string;
  /** Past tense: ProductUpdated. */
  type: string;
  version: number;
  /** The service that owns the aggregate. */
  source: string;
  aggregateType: string;
  aggregateId: string;
  /** The aggregate's version after this change; grows with every change of that aggregate. */
  aggregateVersion: number;
  /** ISO 8601. */
  occurredAt: string;
  /** The request or saga this belongs to; copied onto every event it causes. */
  correlationId: string;
  /** The event that caused this one, or null for one caused by a request. */
  causationId: string | null;
  data: TData;
}

export type NewEvent<TData extends object> = Omit<EventEnvelope<TData>, 'id' | 'occurredAt' | 'causationId'> & {
  occurredAt?: Date;
  causationId?: string | null;
};

/** A new envelope: a fresh UUID v7 and the time now, unless given. */
export function createEvent<TData extends object>(event: NewEvent<TData>): EventEnvelope<TData> {
  const { occurredAt, causationId, ...rest } = event;
  return {
    id: uuidv7(),
    ...rest,
    occurredAt: (occurredAt ?? new Date()).toISOString(),
    causationId: causationId ?? null,
  };
}

/** The correlation of an event caused by `cause` (a consumer's reaction, a saga step). */
export function causedBy(cause: EventEnvelope): { correlationId: string; causationId: string } {
  return { correlationId: cause.correlationId, causationId: cause.id };
}
