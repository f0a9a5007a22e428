import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { ApolloArmor } from '@escape.tech/graphql-armor';
import {
  GraphQLError,
  Kind,
  validate,
  type ASTVisitor,
  type DocumentNode,
  type GraphQLSchema,
  type GraphQLFormattedError,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';

export interface OperationLimits {
  maxDepth: number;
  maxAliases: number;
  maxTokens: number;
  maxDirectives: number;
  maxRootFields: number;
  maxCost: number;
  /** Keep graphql-js's "Did you mean …" hints (development); off, they map the schema for an attacker. */
  fieldSuggestions: boolean;
}

/** The code each limit answers with (Apollo Router's names where it has one). */
export const LIMIT_CODES = {
  depth: 'MAX_DEPTH_LIMIT',
  aliases: 'MAX_ALIASES_LIMIT',
  tokens: 'MAX_TOKENS_LIMIT',
  directives: 'MAX_DIRECTIVES_LIMIT',
  rootFields: 'MAX_ROOT_FIELDS_LIMIT',
  cost: 'COST_LIMIT',
} as const;
export const LIMIT_CODE_SET = new Set<string>(Object.values(LIMIT_CODES));

/** Where a limit's code waits while Apollo relabels every validation error GRAPHQL_VALIDATION_FAILED. */
const LIMIT_EXTENSION = 'operationLimit';

const reject =
  (code: string) =>
  (ctx: ValidationContext | null, error: GraphQLError): void => {
    ctx?.reportError(
      new GraphQLError(error.message.replace(/^Syntax Error: /, ''), { extensions: { [LIMIT_EXTENSION]: code } }),
    );
  };

/**
 * Limits every operation must fit before it is planned or sent to any subgraph, so a hostile
 * query costs the gateway one parse and one validation: tokens (graphql-js's parser stops
 * counting past the limit), then depth, aliases, directives, cost (graphql-armor's rules) and
 * root fields (below). Each rejection carries its own code in `extensions.code`.
 */
export function operationLimits(limits: OperationLimits): {
  parseOptions: { maxTokens: number };
  validationRules: ValidationRule[];
  plugins: ApolloServerPlugin<BaseContext>[];
} {
  const common = { propagateOnRejection: false, exposeLimits: true };
  const armor = new ApolloArmor({
    maxDepth: { n: limits.maxDepth, flattenFragments: true, onReject: [reject(LIMIT_CODES.depth)], ...common },
    maxAliases: { n: limits.maxAliases, onReject: [reject(LIMIT_CODES.aliases)], ...common },
    maxDirectives: { n: limits.maxDirectives, onReject: [reject(LIMIT_CODES.directives)], ...common },
    costLimit: { maxCost: limits.maxCost, onReject: [reject(LIMIT_CODES.cost)], ...common },
    // graphql-js's own parser limit (Apollo's parseOptions) does this in the one parse there is
    maxTokens: { enabled: false },
    blockFieldSuggestion: { enabled: !limits.fieldSuggestions },
  }).protect();
  return {
    parseOptions: { maxTokens: limits.maxTokens },
    validationRules: [...armor.validationRules, maxRootFieldsRule(limits.maxRootFields)],
    plugins: armor.plugins as ApolloServerPlugin<BaseContext>[],
  };
}

/**
 * The cost the gateway's cost limit computes for a document's operations, without enforcing it:
 * the same graphql-armor rule with the same (armor's default) weights as operationLimits — objects
 * 2, scalars 1, ×1.5 per level, `first`/`last` literals multiply. schema:check reports it for every
 * operation in schema/operations/. The document must be valid against the schema.
 */
export function operationCost(schema: GraphQLSchema, document: DocumentNode): number {
  let cost = 0;
  const { validationRules } = new ApolloArmor({
    costLimit: {
      maxCost: Number.MAX_SAFE_INTEGER,
      onAccept: [(_ctx, details: { n: number }) => (cost += details.n)],
    },
    maxDepth: { enabled: false },
    maxAliases: { enabled: false },
    maxDirectives: { enabled: false },
    maxTokens: { enabled: false },
    blockFieldSuggestion: { enabled: false },
  }).protect();
  validate(schema, document, validationRules);
  return cost;
}

/** At most `max` fields at the root of an operation, counting through fragments (not `__typename`). */
export function maxRootFieldsRule(max: number): ValidationRule {
  return (context: ValidationContext): ASTVisitor => {
    const count = (selectionSet: SelectionSetNode, seen: Set<string>): number =>
      selectionSet.selections.reduce((n, selection) => {
        if (selection.kind === Kind.FIELD) return n + (selection.name.value.startsWith('__') ? 0 : 1);
        if (selection.kind === Kind.INLINE_FRAGMENT) return n + count(selection.selectionSet, seen);
        const name = selection.name.value;
        const fragment = context.getFragment(name);
        if (!fragment || seen.has(name)) return n;
        return n + count(fragment.selectionSet, new Set([...seen, name]));
      }, 0);
    return {
      OperationDefinition(node) {
        const found = count(node.selectionSet, new Set());
        if (found > max) {
          reject(LIMIT_CODES.rootFields)(
            context,
            new GraphQLError(`Root field limit of ${max} exceeded, found ${found}.`),
          );
        }
      },
    };
  };
}

// graphql-js 16 words it "more that"
const TOKEN_LIMIT = /^Syntax Error: Document contains more tha[nt] \d+ tokens/;

/**
 * Gives a limit's rejection its own code: a validation error that carries one, or the parser's
 * token-limit syntax error. Any other error passes unchanged.
 */
export function withLimitCodes(formatted: GraphQLFormattedError): GraphQLFormattedError {
  const extensions = formatted.extensions ?? {};
  const code = extensions[LIMIT_EXTENSION];
  if (typeof code === 'string') {
    const { [LIMIT_EXTENSION]: _moved, ...rest } = extensions;
    return { ...formatted, extensions: { ...rest, code } };
  }
  if (extensions['code'] === 'GRAPHQL_PARSE_FAILED' && TOKEN_LIMIT.test(formatted.message)) {
    return { ...formatted, extensions: { ...extensions, code: LIMIT_CODES.tokens } };
  }
  return formatted;
}
