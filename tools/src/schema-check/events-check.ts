/**
 * Event schemas: every version of an event type stays readable by the consumers of the version
 * before it (./event-compatibility.ts), a version already at the base is not changed incompatibly,
 * and every event type a service publishes or consumes has a schema.
 *
 * Where the schemas are is a source (EventContractsSource): the layout below by default; the events
 * work may bring its own loader (its folder's layout, or usage read from its code) and plug it in
 * with `eventsCheck(source)` in ./index.ts. Until schema/events/ exists the check is skipped.
 *
 *   schema/events/envelope.json              the envelope every event travels in
 *   schema/events/<Type>.v<N>.json           one JSON Schema per event type and version
 *                                            (also read: `.schema.json`, and <Type>/v<N>.json)
 *   schema/events/usage.json                 { "<service>": { "publishes": ["ProductUpdated@1"],
 *                                                             "consumes": ["UserRegistered"] } }
 *
 * A schema may `$ref` another by its `$id` (an event's schema, its envelope) and combine with `allOf`.
 */
import { skip, type Check, type Finding } from '../contracts/check';
import type { FileSource } from '../contracts/git';
import type { SchemaCheckContext } from './context';
import { incompatibilities, type JsonSchema, type SchemaRefs } from './event-compatibility';

export interface EventSchema {
  type: string;
  version: number;
  file: string;
  schema: JsonSchema;
}

export interface EventUse {
  service: string;
  role: 'publishes' | 'consumes';
  type: string;
  /** Absent: any version of the type. */
  version?: number;
}

export interface EventContracts {
  envelope?: { file: string; schema: JsonSchema };
  /** Every schema by its `$id`, for `$ref`s between them. */
  refs: SchemaRefs;
  /** Undefined when nothing declares who publishes and consumes what. */
  usesDeclared?: string;
  schemas: EventSchema[];
  uses: EventUse[];
  /** Files that could not be read as a schema (bad JSON, a name outside the layout). */
  problems: Finding[];
}

export interface EventContractsSource {
  /** The folder whose absence means "no event schemas yet". */
  folder: string;
  /** Undefined when the folder is absent; `skipped` when it holds nothing this source can read. */
  load(files: FileSource): EventContracts | { skipped: string } | undefined;
}

const FOLDER = 'schema/events';
const VERSIONED = /^v([1-9][0-9]*)(?:\.schema)?\.json$/;
const FLAT = /^([A-Z][A-Za-z0-9]*)\.v([1-9][0-9]*)(?:\.schema)?\.json$/;
const ENVELOPE = /^envelope(?:\.schema)?\.json$/;
const USE = /^([A-Z][A-Za-z0-9]*)(?:@([1-9][0-9]*))?$/;

/** The layout described above. */
export const defaultEventLayout: EventContractsSource = {
  folder: FOLDER,
  load(files) {
    const entries = files.list(FOLDER);
    if (!entries.length) return undefined;
    const problems: Finding[] = [];
    const json = (file: string): JsonSchema | undefined => {
      try {
        return JSON.parse(files.read(file) ?? '') as JsonSchema;
      } catch (error) {
        problems.push({
          severity: 'error',
          kind: 'INVALID_EVENT_SCHEMA',
          element: file,
          message: (error as Error).message,
        });
        return undefined;
      }
    };
    const schemas: EventSchema[] = [];
    let envelope: EventContracts['envelope'];
    let uses: EventUse[] = [];
    let usesDeclared: string | undefined;
    for (const entry of entries) {
      const file = `${FOLDER}/${entry}`;
      const flat = FLAT.exec(entry);
      if (ENVELOPE.test(entry)) {
        const schema = json(file);
        if (schema) envelope = { file, schema };
      } else if (entry === 'usage.json') {
        usesDeclared = file;
        uses = usesOf(json(file) as unknown, file, problems);
      } else if (flat) {
        const schema = json(file);
        if (schema) schemas.push({ type: flat[1]!, version: Number(flat[2]), file, schema });
      } else if (/^[A-Z][A-Za-z0-9]*$/.test(entry) && files.list(file).length) {
        for (const inner of files.list(file)) {
          const match = VERSIONED.exec(inner);
          if (!match) continue;
          const schema = json(`${file}/${inner}`);
          if (schema) schemas.push({ type: entry, version: Number(match[1]), file: `${file}/${inner}`, schema });
        }
      }
    }
    if (!envelope && !schemas.length && !problems.length) {
      return {
        skipped: `${FOLDER}/ holds no <Type>.v<N>.json this loader reads: plug in its loader (events-check.ts)`,
      };
    }
    const refs = new Map<string, JsonSchema>();
    for (const s of [...(envelope ? [envelope.schema] : []), ...schemas.map((e) => e.schema)]) {
      if (typeof s.$id === 'string') refs.set(s.$id.replace(/#$/, ''), s);
    }
    return {
      ...(envelope ? { envelope } : {}),
      schemas,
      uses,
      refs,
      ...(usesDeclared ? { usesDeclared } : {}),
      problems,
    };
  },
};

function usesOf(value: unknown, file: string, problems: Finding[]): EventUse[] {
  const uses: EventUse[] = [];
  if (!value || typeof value !== 'object') return uses;
  for (const [service, roles] of Object.entries(value as Record<string, Record<string, unknown>>)) {
    for (const role of ['publishes', 'consumes'] as const) {
      const list = roles?.[role];
      if (list === undefined) continue;
      for (const item of Array.isArray(list) ? list : [list]) {
        const match = typeof item === 'string' ? USE.exec(item) : null;
        if (!match) {
          problems.push({
            severity: 'error',
            kind: 'INVALID_EVENT_USAGE',
            element: `${file}: ${service}.${role}`,
            message: `"${String(item)}" is not "<EventType>" or "<EventType>@<version>"`,
          });
          continue;
        }
        uses.push({ service, role, type: match[1]!, ...(match[2] ? { version: Number(match[2]) } : {}) });
      }
    }
  }
  return uses;
}

const fromRule =
  (element: string, prefix: string) =>
  (i: ReturnType<typeof incompatibilities>[number]): Finding => ({
    severity: 'error',
    kind: i.kind,
    element: `${element} ${i.field}`,
    message: `${prefix}: ${i.message}`,
  });

/** The findings of the event rules for the contracts now and, when there is one, at the base. */
export function checkEventContracts(current: EventContracts, base: EventContracts | undefined): Finding[] {
  const findings: Finding[] = [...current.problems];
  if (!current.envelope) {
    findings.push({
      severity: 'error',
      kind: 'MISSING_ENVELOPE_SCHEMA',
      element: FOLDER,
      message: 'has no envelope.schema.json',
    });
  }
  const byType = new Map<string, EventSchema[]>();
  for (const s of current.schemas) byType.set(s.type, [...(byType.get(s.type) ?? []), s]);
  for (const [type, versions] of byType) {
    versions.sort((a, b) => a.version - b.version);
    versions.forEach((v, i) => {
      if (v.version !== i + 1) {
        findings.push({
          severity: 'error',
          kind: 'EVENT_VERSION_GAP',
          element: `${type}@${v.version}`,
          message: `${v.file}: versions of ${type} must run 1, 2, 3… (v${i + 1} is missing)`,
        });
      }
      const previous = versions[i - 1];
      if (previous)
        findings.push(
          ...incompatibilities(previous.schema, v.schema).map(
            fromRule(`${type}@${v.version}`, `not readable by consumers of v${previous.version}`),
          ),
        );
    });
  }
  // A version published at the base is a contract already: changed in place, the same rule applies.
  const pairs: [string, JsonSchema, JsonSchema][] = [];
  if (base?.envelope && current.envelope) pairs.push(['envelope', base.envelope.schema, current.envelope.schema]);
  for (const old of base?.schemas ?? []) {
    const now = current.schemas.find((s) => s.type === old.type && s.version === old.version);
    if (!now) {
      findings.push({
        severity: 'error',
        kind: 'EVENT_VERSION_REMOVED',
        element: `${old.type}@${old.version}`,
        message: `${old.file} existed at the base and is gone: consumers of it may still receive it`,
      });
    } else pairs.push([`${old.type}@${old.version}`, old.schema, now.schema]);
  }
  for (const [element, before, after] of pairs) {
    findings.push(
      ...incompatibilities(before, after).map(fromRule(element, 'changed in place incompatibly with the base')),
    );
  }
  if (!current.usesDeclared) {
    findings.push({
      severity: 'info',
      kind: 'NO_EVENT_USAGE',
      element: `${FOLDER}/usage.json`,
      message: 'absent: who publishes and consumes which event is not declared, so coverage is not checked',
    });
  }
  for (const use of current.uses) {
    const has = (byType.get(use.type) ?? []).some((s) => use.version === undefined || s.version === use.version);
    if (!has) {
      const what = `${use.type}${use.version ? `@${use.version}` : ''}`;
      findings.push({
        severity: 'error',
        kind: 'MISSING_EVENT_SCHEMA',
        element: `${use.service} ${use.role} ${what}`,
        message: `no schema for ${what} in ${FOLDER}/`,
      });
    }
  }
  return findings;
}

export function eventsCheck(source: EventContractsSource = defaultEventLayout): Check<SchemaCheckContext> {
  return {
    name: 'events',
    title: 'event schemas stay compatible and cover every published and consumed event',
    run(context) {
      const current = source.load(context.files);
      if (!current) return skip(`no ${source.folder}/ yet`);
      if ('skipped' in current) return skip(current.skipped);
      const base = context.baseFiles();
      const loaded = base ? source.load(base) : undefined;
      const before = loaded && !('skipped' in loaded) ? loaded : undefined;
      const types = new Set(current.schemas.map((s) => s.type));
      return {
        findings: checkEventContracts(current, before),
        summary: `${types.size} event types, ${current.schemas.length} versions, ${current.uses.length} uses${base ? `; against ${base.label}` : '; no base'}`,
      };
    },
  };
}
