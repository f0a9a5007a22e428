/**
 * The compatibility rule for event schemas (JSON Schema): a new version must stay readable by the
 * consumers of the previous one.
 *
 *   - no field the previous version requires is removed, made optional or given another type;
 *   - no new required field without a `default` (events of the previous version lack it);
 *   - where the previous version forbids other properties (`additionalProperties: false`), no new
 *     property at all: a consumer validating with it would refuse the new events.
 *
 * Objects are compared field by field, recursively, through array items, `allOf` and `$ref`s
 * (local ones, `#/$defs/…`, and others by `$id`, such as an event schema's envelope).
 */

export type JsonSchema = {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  additionalProperties?: boolean | JsonSchema;
  default?: unknown;
  $ref?: string;
  [keyword: string]: unknown;
};

export interface Incompatibility {
  kind:
    | 'REQUIRED_FIELD_REMOVED'
    | 'REQUIRED_FIELD_OPTIONAL'
    | 'REQUIRED_FIELD_RETYPED'
    | 'NEW_REQUIRED_FIELD_WITHOUT_DEFAULT'
    | 'NEW_FIELD_REFUSED_BY_PREVIOUS';
  /** The field, as a path from the schema's root (`data.price.amount`). */
  field: string;
  message: string;
}

/** Other schemas a `$ref` may name by `$id` (the envelope, for one). */
export type SchemaRefs = ReadonlyMap<string, JsonSchema>;

/** Follow `$ref`s (local ones and `$id`s in refs) and fold `allOf` into one schema. */
function resolve(schema: JsonSchema | undefined, root: JsonSchema, refs: SchemaRefs): JsonSchema | undefined {
  let current = schema;
  for (let hops = 0; current?.$ref && hops < 20; hops++) {
    const ref = current.$ref;
    const local = /^#\/(\$defs|definitions)\/(.+)$/.exec(ref);
    const target = local
      ? (root[local[1]!] as Record<string, JsonSchema> | undefined)?.[local[2]!]
      : refs.get(ref.replace(/#$/, ''));
    if (!target) return current; // a $ref we cannot see: compared as written
    const { $ref: _ref, ...siblings } = current;
    current = merge(target, siblings);
  }
  if (current && Array.isArray(current['allOf'])) {
    const { allOf, ...rest } = current as JsonSchema & { allOf: JsonSchema[] };
    current = allOf.reduce<JsonSchema>((merged, member) => merge(merged, resolve(member, root, refs) ?? {}), rest);
  }
  return current;
}

/** Both constraints at once (allOf): properties of both, each merged; required of both. */
function merge(a: JsonSchema, b: JsonSchema): JsonSchema {
  const properties: Record<string, JsonSchema> = { ...a.properties };
  for (const [key, value] of Object.entries(b.properties ?? {})) {
    properties[key] = properties[key] ? merge(properties[key]!, value) : value;
  }
  const required = [...new Set([...(a.required ?? []), ...(b.required ?? [])])];
  return {
    ...a,
    ...b,
    ...(a.type !== undefined || b.type !== undefined ? { type: b.type ?? a.type } : {}),
    ...(a.properties || b.properties ? { properties } : {}),
    ...(required.length ? { required } : {}),
  };
}

function typeOf(schema: JsonSchema | undefined): string {
  if (!schema) return 'any';
  const t = schema.type ?? (schema.properties ? 'object' : schema.items ? 'array' : undefined);
  if (t === undefined) return schema.enum ? `enum` : schema.const !== undefined ? 'const' : 'any';
  return (Array.isArray(t) ? [...t].sort() : [t]).join('|');
}

export function incompatibilities(
  previous: JsonSchema,
  next: JsonSchema,
  refs: { previous?: SchemaRefs; next?: SchemaRefs } = {},
): Incompatibility[] {
  const out: Incompatibility[] = [];
  const before = refs.previous ?? new Map<string, JsonSchema>();
  const after = refs.next ?? new Map<string, JsonSchema>();
  const walk = (prev: JsonSchema | undefined, cur: JsonSchema | undefined, at: string) => {
    const a = resolve(prev, previous, before);
    const b = resolve(cur, next, after);
    if (!a || !b) return;
    const label = (field: string) => (at ? `${at}.${field}` : field);
    if (typeOf(a) === 'array' && typeOf(b) === 'array') walk(a.items, b.items, `${at}[]`);
    if (!a.properties && !b.properties) return;
    const aProps = a.properties ?? {};
    const bProps = b.properties ?? {};
    const aRequired = new Set(a.required ?? []);
    const bRequired = new Set(b.required ?? []);
    for (const field of aRequired) {
      const field_ = label(field);
      if (!(field in bProps)) {
        out.push({ kind: 'REQUIRED_FIELD_REMOVED', field: field_, message: `required field ${field_} was removed` });
      } else if (!bRequired.has(field)) {
        out.push({
          kind: 'REQUIRED_FIELD_OPTIONAL',
          field: field_,
          message: `required field ${field_} became optional`,
        });
      } else if (typeOf(resolve(aProps[field], previous, before)) !== typeOf(resolve(bProps[field], next, after))) {
        out.push({
          kind: 'REQUIRED_FIELD_RETYPED',
          field: field_,
          message: `required field ${field_} changed type from ${typeOf(resolve(aProps[field], previous, before))} to ${typeOf(resolve(bProps[field], next, after))}`,
        });
      }
    }
    for (const field of bRequired) {
      if (aRequired.has(field) || resolve(bProps[field], next, after)?.default !== undefined) continue;
      out.push({
        kind: 'NEW_REQUIRED_FIELD_WITHOUT_DEFAULT',
        field: label(field),
        message: `new required field ${label(field)} has no default`,
      });
    }
    if (a.additionalProperties === false) {
      for (const field of Object.keys(bProps).filter((f) => !(f in aProps) && !bRequired.has(f))) {
        out.push({
          kind: 'NEW_FIELD_REFUSED_BY_PREVIOUS',
          field: label(field),
          message: `new field ${label(field)} is refused by the previous version (additionalProperties: false)`,
        });
      }
    }
    for (const field of Object.keys(aProps)) if (field in bProps) walk(aProps[field], bProps[field], label(field));
  };
  walk(previous, next, '');
  return out;
}
