import { defaultFieldResolver, isObjectType, type GraphQLSchema } from 'graphql';
import { badUserInput, type FieldProblem } from './errors';

/**
 * The one rule every string input of every service obeys: no character a store cannot keep as
 * sent. Measured against the real stores (packages/platform/test/string-rule.integration.test.ts,
 * docs/adr/0012-strings-the-stores-keep.md):
 *  - U+0000 (NUL): PostgreSQL `text` refuses it, and so do `jsonb` and FerretDB on top of it (even
 *    in a query filter);
 *  - an unpaired UTF-16 surrogate (U+D800–U+DFFF not in a high+low pair): no store can hold it in
 *    UTF-8; the pg, mongodb and ioredis drivers silently turn it into U+FFFD (so two different
 *    inputs become one value) and `jsonb` refuses it.
 * Everything else is allowed, the 66 Unicode non-characters included (U+FFFE, U+FFFF,
 * U+FDD0–U+FDEF, U+nFFFE/U+nFFFF): every store keeps them exactly, and Unicode (Corrigendum #9)
 * permits them in interchange. What a field accepts beyond this (lengths, patterns) is its own
 * zod schema's business.
 */
export const STRING_RULE_MESSAGES = {
  NUL: 'must not contain U+0000 (NUL)',
  LONE_SURROGATE: 'must not contain an unpaired UTF-16 surrogate (U+D800 to U+DFFF)',
} as const;

export interface UnstorableCharacter {
  /** UTF-16 index of the first offending code unit. */
  index: number;
  codePoint: number;
  message: (typeof STRING_RULE_MESSAGES)[keyof typeof STRING_RULE_MESSAGES];
}

/** The first character of `value` the stores cannot keep, or null when there is none. */
export function unstorableCharacter(value: string): UnstorableCharacter | null {
  if (value.isWellFormed() && !value.includes('\u0000')) return null;
  for (let i = 0; i < value.length; i++) {
    const unit = value.charCodeAt(i);
    if (unit === 0) return { index: i, codePoint: 0, message: STRING_RULE_MESSAGES.NUL };
    if (unit < 0xd800 || unit > 0xdfff) continue;
    const next = value.charCodeAt(i + 1); // NaN past the end
    if (unit <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
      i++; // a well-formed pair: one astral character
      continue;
    }
    return { index: i, codePoint: unit, message: STRING_RULE_MESSAGES.LONE_SURROGATE };
  }
  return null;
}

const isRecord = (v: unknown): v is Record<string, unknown> => {
  if (typeof v !== 'object' || v === null) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
};

/**
 * Every string inside `value` (arrays and plain objects, keys too) that breaks the rule, named by
 * its dotted path from `root` (`input.attributes.0.value`), the way fromZodError names fields.
 * Iterative, so an arbitrarily nested JSON value cannot exhaust the stack.
 */
export function unstorableStrings(value: unknown, root: string): FieldProblem[] {
  if (allStorable(value)) return []; // the common case, without building a path per value
  const problems: FieldProblem[] = [];
  const pending: [unknown, string][] = [[value, root]];
  while (pending.length) {
    const [v, path] = pending.pop()!;
    if (typeof v === 'string') {
      const bad = unstorableCharacter(v);
      if (bad) problems.push({ field: path, message: bad.message });
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) pending.push([v[i], `${path}.${i}`]);
    } else if (isRecord(v)) {
      const entries = Object.entries(v);
      for (let i = entries.length - 1; i >= 0; i--) {
        const [key, item] = entries[i]!;
        // a name that breaks the rule is reported in its value's place (in document order)
        pending.push([unstorableCharacter(key) ? key : item, `${path}.${key}`]);
      }
    }
  }
  return problems;
}

function allStorable(value: unknown): boolean {
  const pending: unknown[] = [value];
  while (pending.length) {
    const v = pending.pop();
    if (typeof v === 'string') {
      if (unstorableCharacter(v)) return false;
    } else if (Array.isArray(v)) {
      for (const item of v) pending.push(item);
    } else if (isRecord(v)) {
      for (const key in v) {
        if (unstorableCharacter(key)) return false;
        pending.push(v[key]);
      }
    }
  }
  return true;
}

/** Throw one BAD_USER_INPUT naming every argument string that breaks the rule. */
export function refuseUnstorableStrings(args: Record<string, unknown>): void {
  const problems = Object.entries(args).flatMap(([name, value]) => unstorableStrings(value, name));
  if (!problems.length) return;
  const roots = new Set(problems.map((p) => p.field.split('.')[0]));
  const summary = problems.map((p) => `${p.field}: ${p.message}`).join('; ');
  throw badUserInput(`Invalid ${roots.size === 1 ? [...roots][0] : 'arguments'}: ${summary}`, problems);
}

/**
 * Put the string rule in front of the resolver of every field that takes arguments, in place:
 * the check sees the arguments as graphql-js coerced them (inline literals and variables alike,
 * nested input objects and lists, `_entities` representations), so no field can be added without
 * it. A refused field's resolver never runs, so nothing is read or written.
 */
export function guardStringArguments(schema: GraphQLSchema): GraphQLSchema {
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields())) {
      if (field.args.length === 0) continue;
      const resolve = field.resolve ?? defaultFieldResolver;
      field.resolve = (source, args: Record<string, unknown>, context, info) => {
        refuseUnstorableStrings(args);
        return resolve(source, args, context, info);
      };
    }
  }
  return schema;
}
