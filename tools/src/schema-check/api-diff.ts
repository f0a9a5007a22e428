/**
 * The API schema against the base's: every change classified breaking / dangerous / safe by
 * @graphql-inspector/core. A breaking change fails when an operation in schema/operations/ uses the
 * element; otherwise it must be acknowledged in schema/changes.acknowledged (see
 * ../contracts/acknowledgements.ts for the format).
 */
import { CriticalityLevel, diff, type Change } from '@graphql-inspector/core';
import { parseAcknowledgements, unusedAcknowledgements, type Acknowledgements } from '../contracts/acknowledgements';
import { skip, type Check, type Finding } from '../contracts/check';
import type { SchemaCheckContext } from './context';
import { affects, usedElements } from './usage';

export const SCHEMA_ACKNOWLEDGEMENTS = 'schema/changes.acknowledged';

const LEVEL: Record<CriticalityLevel, 'breaking' | 'dangerous' | 'safe'> = {
  [CriticalityLevel.Breaking]: 'breaking',
  [CriticalityLevel.Dangerous]: 'dangerous',
  [CriticalityLevel.NonBreaking]: 'safe',
};

export interface ClassifiedChange {
  level: 'breaking' | 'dangerous' | 'safe';
  type: string;
  path: string;
  message: string;
  /** Operations (name and file) that use the element, for breaking changes. */
  usedBy: string[];
}

export const apiDiffCheck: Check<SchemaCheckContext> = {
  name: 'api-diff',
  title: 'API schema changes against the base',
  async run(context) {
    const api = context.api();
    if (!api) return skip('composition failed');
    const base = context.base();
    if ('skipped' in base) return skip(`${base.skipped}; the diff is skipped`);
    const acks = parseAcknowledgements(SCHEMA_ACKNOWLEDGEMENTS, context.files.read(SCHEMA_ACKNOWLEDGEMENTS));
    const operations = [...context.operations().values()];
    // Walked against the base: a removed element exists only there.
    const usage = operations.map((op) => ({ op, used: usedElements(base.schema, op.body) }));
    const changes: ClassifiedChange[] = (await diff(base.schema, api)).map((change: Change) => {
      const level = LEVEL[change.criticality.level];
      const path = change.path ?? change.type;
      return {
        level,
        type: change.type,
        path,
        message: change.message,
        usedBy:
          level === 'breaking'
            ? usage.filter(({ used }) => affects(change.type, path, used)).map(({ op }) => `${op.name} (${op.file})`)
            : [],
      };
    });
    const findings = [...acks.invalid, ...changes.map((c) => findingOf(c, acks))];
    const acknowledged = new Set(changes.filter((c) => c.level === 'breaking' && !c.usedBy.length).map((c) => c.path));
    findings.push(...unusedAcknowledgements(acks, acknowledged));
    const count = (level: ClassifiedChange['level']) => changes.filter((c) => c.level === level).length;
    return {
      findings,
      summary: `against ${base.label}: ${count('breaking')} breaking, ${count('dangerous')} dangerous, ${count('safe')} safe`,
    };
  },
};

function findingOf(change: ClassifiedChange, acks: Acknowledgements): Finding {
  const base = { kind: change.type, element: change.path };
  if (change.level === 'safe') return { ...base, severity: 'info', message: `safe: ${change.message}` };
  if (change.level === 'dangerous') return { ...base, severity: 'warning', message: `dangerous: ${change.message}` };
  if (change.usedBy.length) {
    return {
      ...base,
      severity: 'error',
      message: `breaking: ${change.message}; used by ${change.usedBy.join(', ')}`,
    };
  }
  const ack = acks.find(change.path);
  if (ack) {
    return {
      ...base,
      severity: 'warning',
      message: `breaking, acknowledged (${acks.file}:${ack.line}: ${ack.reason}): ${change.message}`,
    };
  }
  return {
    ...base,
    severity: 'error',
    message: `breaking: ${change.message}; no operation in schema/operations/ uses it — acknowledge it with a line "${change.path} <reason>" in ${acks.file}`,
  };
}
