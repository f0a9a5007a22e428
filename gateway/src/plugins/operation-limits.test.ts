import { readFileSync } from 'node:fs';
import path from 'node:path';
import { buildSchema, parse, specifiedRules, validate, type GraphQLError } from 'graphql';
import { frontDoorEnv } from '../http/front-door-config';
import { operationLimits, withLimitCodes } from './operation-limits';
import { loadPersistedOperations } from './persisted-operations';

const root = path.join(__dirname, '../../..');
const schema = buildSchema(readFileSync(path.join(root, 'schema/supergraph.graphql'), 'utf8'), {
  assumeValidSDL: true,
});
const defaults = {
  maxDepth: frontDoorEnv.MAX_DEPTH.parse(undefined),
  maxAliases: frontDoorEnv.MAX_ALIASES.parse(undefined),
  maxTokens: frontDoorEnv.MAX_TOKENS.parse(undefined),
  maxDirectives: frontDoorEnv.MAX_DIRECTIVES.parse(undefined),
  maxRootFields: frontDoorEnv.MAX_ROOT_FIELDS.parse(undefined),
  maxCost: frontDoorEnv.MAX_COST.parse(undefined),
  fieldSuggestions: false,
};

/** The codes a document is refused with, as the gateway would answer them. */
function refusals(query: string, limits = defaults): string[] {
  const { parseOptions, validationRules } = operationLimits(limits);
  let errors: readonly GraphQLError[];
  try {
    errors = validate(schema, parse(query, parseOptions), [...specifiedRules, ...validationRules]);
  } catch (error) {
    errors = [error as GraphQLError];
  }
  return errors.map((e) => {
    const code = e.extensions['operationLimit']
      ? undefined
      : e.message.startsWith('Syntax Error')
        ? 'GRAPHQL_PARSE_FAILED'
        : 'GRAPHQL_VALIDATION_FAILED';
    return String(
      withLimitCodes({ message: e.message, extensions: { ...e.extensions, ...(code ? { code } : {}) } }).extensions![
        'code'
      ],
    );
  });
}

describe('operation limits', () => {
  it('uses the defaults of the brief (graphql-armor), depth raised to 8 for the deepest storefront query', () => {
    expect(defaults).toMatchObject({ maxAliases: 15, maxTokens: 1000, maxDirectives: 50, maxCost: 5000, maxDepth: 8 });
  });

  it('let every safelisted operation through', () => {
    for (const op of loadPersistedOperations(path.join(root, 'schema/operations')).values()) {
      expect([op.name, refusals(op.body)]).toEqual([op.name, []]);
    }
  });

  it.each([
    ['depth', '{ products { edges { node { category { slug } } } } }', { maxDepth: 4 }, 'MAX_DEPTH_LIMIT'],
    [
      'depth through fragments',
      '{ products { ...P } } fragment P on ProductConnection { edges { node { category { slug } } } }',
      { maxDepth: 4 },
      'MAX_DEPTH_LIMIT',
    ],
    [
      'aliases',
      `{ ${Array.from({ length: 16 }, (_, i) => `a${i}: categories { slug }`).join(' ')} }`,
      {},
      'MAX_ALIASES_LIMIT',
    ],
    ['tokens', `{ categories { ${'slug '.repeat(1000)} } }`, {}, 'MAX_TOKENS_LIMIT'],
    ['directives', `{ categories { slug ${'@skip(if: false) '.repeat(51)} } }`, {}, 'MAX_DIRECTIVES_LIMIT'],
    [
      'root fields through fragments',
      `{ ...R } fragment R on Query { ${Array.from({ length: 11 }, (_, i) => `r${i}: categories { slug }`).join(' ')} }`,
      {},
      'MAX_ROOT_FIELDS_LIMIT',
    ],
    [
      'cost',
      `{ products(first: 100) { edges { node { id name description price { amount currency } category { slug name description } attributes { name value } } } } }`,
      { maxCost: 500 },
      'COST_LIMIT',
    ],
  ])('refuse a document over the %s limit with its own code', (_what, query, overrides, code) => {
    expect(refusals(query, { ...defaults, ...overrides })).toContain(code);
  });

  it('leave other errors alone', () => {
    expect(withLimitCodes({ message: 'x', extensions: { code: 'BAD_USER_INPUT' } })).toEqual({
      message: 'x',
      extensions: { code: 'BAD_USER_INPUT' },
    });
  });
});
