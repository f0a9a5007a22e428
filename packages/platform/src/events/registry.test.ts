import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { createEvent } from './envelope';
import { EventRegistry, InvalidEventError } from './registry';
import { STREAMS, streamOf } from './streams';

const dir = path.resolve(__dirname, '../../../../schema/events');
const registry: EventRegistry = EventRegistry.load(dir);
const now = new Date('2026-12-01T10:00:00.000Z');
const uuid = '0192f0c8-1b2a-7c3d-8e4f-5a6b7c8d9e0f';

const userRegistered = (
  data: Record<string, unknown> = { email: 'ada@example.com', name: 'Ada', registeredAt: now.toISOString() },
) =>
  createEvent({
    type: 'UserRegistered',
    version: 1,
    source: 'accounts',
    aggregateType: 'User',
    aggregateId: uuid,
    aggregateVersion: 1,
    correlationId: 'req-1',
    occurredAt: now,
    data,
  });

describe('the event registry (schema/events)', () => {
  it('compiles every contract: the envelope and one schema per type and version', () => {
    expect(registry.types()).toEqual([
      'CategoryCreated.v1',
      'OrderCreated.v1',
      'PaymentAuthorized.v1',
      'PaymentCaptured.v1',
      'PaymentRefunded.v1',
      'ProductArchived.v1',
      'ProductCreated.v1',
      'ProductStockChanged.v1',
      'ProductUpdated.v1',
      'UserErased.v1',
      'UserProfileUpdated.v1',
      'UserRegistered.v1',
    ]);
  });

  it('accepts a valid event, with a fresh UUID v7 and the time it occurred', () => {
    const event = userRegistered();
    expect(event.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7/);
    expect(event.occurredAt).toBe('2026-12-01T10:00:00.000Z');
    expect(registry.validate(event)).toEqual([]);
  });

  it('names each problem with a code and where it is', () => {
    const event = { ...userRegistered({ email: 'not an email', name: '', registeredAt: 'yesterday', password: 'x' }) };
    expect(registry.validate(event)).toEqual(
      expect.arrayContaining([
        { code: 'INVALID_EVENT', path: '/data', message: 'has no property password' },
        { code: 'INVALID_EVENT', path: '/data/email', message: 'must match format "email"' },
        { code: 'INVALID_EVENT', path: '/data/name', message: 'must NOT have fewer than 1 characters' },
        { code: 'INVALID_EVENT', path: '/data/registeredAt', message: 'must match format "date-time"' },
      ]),
    );
  });

  it('refuses an envelope that is not one, and a type it has no schema for', () => {
    expect(registry.validate({ hello: 'world' })[0]).toMatchObject({ code: 'NOT_AN_ENVELOPE' });
    expect(registry.validate({ ...userRegistered(), id: 'c0ffee00-0000-4000-8000-000000000000' })).toEqual([
      expect.objectContaining({ code: 'NOT_AN_ENVELOPE', path: '/id' }),
    ]);
    expect(registry.validate({ ...userRegistered(), type: 'UserRegister' })).toEqual([
      expect.objectContaining({ code: 'NOT_AN_ENVELOPE', path: '/type' }),
    ]);
    expect(registry.validate({ ...userRegistered(), type: 'UserDanced' })).toEqual([
      { code: 'UNKNOWN_EVENT_TYPE', path: '/type', message: 'no schema for UserDanced v1' },
    ]);
    expect(registry.validate({ ...userRegistered(), version: 2 })).toEqual([
      { code: 'UNKNOWN_EVENT_TYPE', path: '/type', message: 'no schema for UserRegistered v2' },
    ]);
  });

  it('holds each type to its source and aggregate: a UserRegistered from catalog is invalid', () => {
    expect(registry.validate({ ...userRegistered(), source: 'catalog' })).toEqual([
      expect.objectContaining({ code: 'INVALID_EVENT', path: '/source' }),
    ]);
  });

  it('throws InvalidEventError with the problems from assertValid', () => {
    expect(() => registry.assertValid({ ...userRegistered(), aggregateVersion: 0 })).toThrow(InvalidEventError);
    try {
      registry.assertValid({ ...userRegistered(), aggregateVersion: 0 });
    } catch (error) {
      expect((error as InvalidEventError).problems).toEqual([
        expect.objectContaining({ code: 'NOT_AN_ENVELOPE', path: '/aggregateVersion' }),
      ]);
    }
  });

  it('keeps personal data out of the events that do not need it', () => {
    const personal = /"(email|name|password\w*|card\w*|address\w*)"/;
    for (const file of [
      'UserErased.v1.json',
      'OrderCreated.v1.json',
      'PaymentAuthorized.v1.json',
      'PaymentCaptured.v1.json',
      'PaymentRefunded.v1.json',
    ]) {
      const data = JSON.parse(readFileSync(path.join(dir, file), 'utf8')).allOf[1].properties.data.properties;
      expect([file, Object.keys(data).filter((k) => personal.test(`"${k}"`))]).toEqual([file, []]);
    }
  });

  it('has a declared stream for every type (its source and aggregate) and a schema file per contract', () => {
    for (const file of readdirSync(dir).filter((f) => f !== 'envelope.json')) {
      const schema = JSON.parse(readFileSync(path.join(dir, file), 'utf8'));
      const { source, aggregateType } = schema.allOf[1].properties;
      const stream = streamOf({ source: source.const, aggregateType: aggregateType.const });
      expect(STREAMS).toContain(stream);
      expect(stream.producer).toBe(source.const);
    }
  });
});
