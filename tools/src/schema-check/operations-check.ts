/**
 * Every operation in schema/operations/ against the new API schema, under the gateway's own
 * validation: graphql-js's rules plus the gateway's limits (gateway/src/plugins/operation-limits.ts,
 * the same code the gateway runs), and each operation's cost as that cost rule computes it.
 */
import { parse, specifiedRules, validate, type DocumentNode, type GraphQLSchema } from 'graphql';
import {
  LIMIT_CODES,
  operationCost,
  operationLimits,
  withLimitCodes,
} from '@polystore/gateway/dist/plugins/operation-limits';
import type { NamedOperation } from '@polystore/platform';
import { skip, type Check, type Finding } from '../contracts/check';
import type { SchemaCheckContext } from './context';

export const operationsCheck: Check<SchemaCheckContext> = {
  name: 'operations',
  title: 'operations in schema/operations/ are valid and within the gateway limits',
  run(context) {
    const api = context.api();
    if (!api) return skip('composition failed');
    const { parseOptions, validationRules } = operationLimits(context.limits);
    const base = context.base();
    const baseOperations = 'skipped' in base ? undefined : base.operations;
    const findings: Finding[] = [];
    let highest: { name: string; cost: number } | undefined;
    const operations = [...context.operations().values()];
    for (const op of operations) {
      const element = `${op.name} (${op.file})`;
      let document: DocumentNode;
      try {
        document = parse(op.body, parseOptions);
      } catch (error) {
        const formatted = withLimitCodes({
          message: (error as Error).message,
          extensions: { code: 'GRAPHQL_PARSE_FAILED' },
        });
        findings.push({
          severity: 'error',
          kind: String(formatted.extensions?.['code']),
          element,
          message: formatted.message,
        });
        continue;
      }
      const errors = validate(api, document, [...specifiedRules, ...validationRules]);
      for (const error of errors) {
        const code = withLimitCodes({ message: error.message, extensions: { ...error.extensions } }).extensions?.[
          'code'
        ];
        findings.push({
          severity: 'error',
          kind: typeof code === 'string' ? code : 'INVALID_OPERATION',
          element,
          message: error.message,
        });
      }
      if (errors.some((e) => !e.extensions['operationLimit'])) continue; // invalid: no cost to speak of
      const cost = operationCost(api, document);
      const before = baseCost(base, baseOperations?.get(op.name));
      if (!highest || cost > highest.cost) highest = { name: op.name, cost };
      if (!errors.length) {
        findings.push({
          severity: 'info',
          kind: 'COST',
          element,
          message: `cost ${shown(cost)}${before !== undefined && before !== cost ? ` (base ${shown(before)})` : ''}`,
        });
      } else if (errors.some((e) => e.extensions['operationLimit'] === LIMIT_CODES.cost) && before !== undefined) {
        findings.push({
          severity: 'info',
          kind: 'COST',
          element,
          message: `cost ${shown(cost)}, limit ${context.limits.maxCost}, base ${shown(before)}`,
        });
      }
    }
    return {
      findings,
      summary: `${operations.length} operations${highest ? `; highest cost ${shown(highest.cost)} (${highest.name}), limit ${context.limits.maxCost}` : ''}`,
    };
  },
};

/** Costs as armor computes them (fractions from the ×1.5 per level), shown to one decimal. */
const shown = (cost: number) => String(Math.round(cost * 10) / 10);

function baseCost(base: { schema: GraphQLSchema } | { skipped: string }, op: NamedOperation | undefined) {
  if ('skipped' in base || !op) return undefined;
  try {
    const document = parse(op.body);
    return validate(base.schema, document).length ? undefined : operationCost(base.schema, document);
  } catch {
    return undefined;
  }
}
