import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { schemaDir } from '../schema-files';
import type { EventEnvelope } from './envelope';

export type EventProblemCode = 'NOT_AN_ENVELOPE' | 'UNKNOWN_EVENT_TYPE' | 'INVALID_EVENT';

/** One thing wrong with an event: a code, where (JSON pointer), what. */
export interface EventProblem {
  code: EventProblemCode;
  path: string;
  message: string;
}

/** Thrown where an invalid event must stop everything: the outbox write (its transaction rolls back). */
export class InvalidEventError extends Error {
  readonly code = 'INVALID_EVENT';
  constructor(readonly problems: EventProblem[]) {
    super(`invalid event: ${problems.map((p) => `${p.code} ${p.path || '/'} ${p.message}`).join('; ')}`);
    this.name = 'InvalidEventError';
  }
}

const ENVELOPE_ID = 'polystore:events/envelope';
const FILE = /^([A-Z][A-Za-z0-9]*)\.v([1-9][0-9]*)\.json$/;

/**
 * Every event contract in schema/events/, compiled once: the envelope and one schema per type and
 * version (<Type>.v<N>.json, its $id `polystore:events/<Type>.v<N>`).
 */
export class EventRegistry {
  private readonly envelope: ValidateFunction;
  private readonly byType = new Map<string, ValidateFunction>();

  private constructor(dir: string) {
    const ajv = new Ajv({ allErrors: true, strict: true });
    addFormats(ajv, ['uuid', 'date-time', 'email']);
    const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
    if (!files.includes('envelope.json')) throw new Error(`${dir} has no envelope.json`);
    const read = (file: string) => JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as { $id?: string };
    const envelope = read('envelope.json');
    if (envelope.$id !== ENVELOPE_ID) throw new Error(`envelope.json must have $id ${ENVELOPE_ID}`);
    ajv.addSchema(envelope);
    this.envelope = ajv.getSchema(ENVELOPE_ID)!;
    for (const file of files.filter((f) => f !== 'envelope.json')) {
      const match = FILE.exec(file);
      if (!match) throw new Error(`${file}: an event schema is named <Type>.v<version>.json`);
      const schema = read(file);
      const key = `${match[1]}.v${match[2]}`;
      if (schema.$id !== `polystore:events/${key}`) throw new Error(`${file} must have $id polystore:events/${key}`);
      this.byType.set(key, ajv.compile(schema));
    }
  }

  private static readonly loaded = new Map<string, EventRegistry>();

  /** The registry of a schema folder (default: the repository's schema/events), compiled once per process. */
  static load(dir = path.join(schemaDir(), 'events')): EventRegistry {
    let registry = EventRegistry.loaded.get(dir);
    if (!registry) {
      registry = new EventRegistry(dir);
      EventRegistry.loaded.set(dir, registry);
    }
    return registry;
  }

  /** Every known `<Type>.v<N>`. */
  types(): string[] {
    return [...this.byType.keys()].sort();
  }

  has(type: string, version: number): boolean {
    return this.byType.has(`${type}.v${version}`);
  }

  /** What is wrong with the event; empty when it is valid. */
  validate(event: unknown): EventProblem[] {
    if (!this.envelope(event)) return problems('NOT_AN_ENVELOPE', this.envelope.errors);
    const { type, version } = event as EventEnvelope;
    const check = this.byType.get(`${type}.v${version}`);
    if (!check) return [{ code: 'UNKNOWN_EVENT_TYPE', path: '/type', message: `no schema for ${type} v${version}` }];
    return check(event) ? [] : problems('INVALID_EVENT', check.errors);
  }

  assertValid(event: unknown): asserts event is EventEnvelope {
    const found = this.validate(event);
    if (found.length) throw new InvalidEventError(found);
  }
}

function problems(code: EventProblemCode, errors: ErrorObject[] | null | undefined): EventProblem[] {
  return (errors ?? []).map((e) => ({
    code,
    path: e.instancePath,
    message: e.keyword === 'additionalProperties' ? `has no property ${e.params['additionalProperty']}` : e.message!,
  }));
}
