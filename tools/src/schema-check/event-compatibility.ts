/**
 * The compatibility rule for event schemas (JSON Schema): a new version must stay readable by the
 * consumers of the previous one.
 *
 *   - no field the previous version requires is removed, made optional or given another type;
 *   - no new required field without a `default` (events of the previous version lack it);
 *   - where the previous version forbids other properties (`additionalProperties: false`), no new
 *     property at all: a consumer validating with it would refuse the new events.
 *
 * Objects are compared field by field, recursively, through array items and local `$ref`s
 * (`#/$defs/…`, `#/definitions/…`).
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

function resolve(schema: JsonSchema | undefined, root: JsonSchema): JsonSchema | undefined {
  let current = schema;
  for (let hops = 0; current?.$ref && hops < 20; hops++) {
    const match = /^#\/(\$defs|definitions)\/(.+)$/.exec(current.$ref);
    if (!match) return current; // a remote $ref: compared as written
    current = (root[match[1]!] as Record<string, JsonSchema> | undefined)?.[match[2]!];
  }
  return current;
}

function typeOf(schema: JsonSchema | undefined): string {
  if (!schema) return 'any';
  const t = schema.type ?? (schema.properties ? 'object' : schema.items ? 'array' : undefined);
  if (t === undefined) return schema.enum ? `enum` : schema.const !== undefined ? 'const' : 'any';
  return (Array.isArray(t) ? [...t].sort() : [t]).join('|');
}

export function incompatibilities(previous: JsonSchema, next: JsonSchema): Incompatibility[] {
  const out: Incompatibility[] = [];
  const walk = (prev: JsonSchema | undefined, cur: JsonSchema | undefined, at: string) => {
    const a = resolve(prev, previous);
    const b = resolve(cur, next);
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
      } else if (typeOf(resolve(aProps[field], previous)) !== typeOf(resolve(bProps[field], next))) {
        out.push({
          kind: 'REQUIRED_FIELD_RETYPED',
          field: field_,
          message: `required field ${field_} changed type from ${typeOf(resolve(aProps[field], previous))} to ${typeOf(resolve(bProps[field], next))}`,
        });
      }
    }
    for (const field of bRequired) {
      if (aRequired.has(field) || resolve(bProps[field], next)?.default !== undefined) continue;
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
