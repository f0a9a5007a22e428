import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { GraphQLError, Kind, type ASTVisitor, type ValidationContext, type ValidationRule } from 'graphql';

export const OPERATION_RESOLUTION_FAILURE = 'OPERATION_RESOLUTION_FAILURE';

/**
 * A document whose operation cannot be picked — `operationName` names none of its operations, or
 * it holds several and no `operationName` says which — is the client's mistake: 400 with
 * OPERATION_RESOLUTION_FAILURE and graphql-js's own message, as Apollo Server answers it without a
 * gateway. Left to @apollo/gateway, its executor throws INVALID_GRAPHQL and Apollo Server answers
 * HTTP 500. Runs when Apollo has resolved (or failed to resolve) the operation, before any planning.
 */
export function operationResolutionPlugin(): ApolloServerPlugin<BaseContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, document, request }) {
          if (operation) return;
          const operations = document.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION).length;
          const message = request.operationName
            ? `Unknown operation named "${request.operationName}".`
            : operations > 1
              ? 'Must provide operation name if query contains multiple operations.'
              : 'Must provide an operation.';
          throw new GraphQLError(message, {
            extensions: { code: OPERATION_RESOLUTION_FAILURE, http: { status: 400 } },
          });
        },
      };
    },
  };
}

/**
 * Every operation's type has a root in the schema: a `subscription` (or, on a supergraph without
 * mutations, a `mutation`) is a validation error (GRAPHQL_VALIDATION_FAILED, 400) — graphql-js 17's
 * KnownOperationTypesRule, which 16 lacks. Without it @apollo/gateway's planner throws
 * INVALID_GRAPHQL and the client gets HTTP 500.
 */
export const knownOperationTypesRule: ValidationRule = (context: ValidationContext): ASTVisitor => ({
  OperationDefinition(node) {
    if (!context.getSchema().getRootType(node.operation)) {
      context.reportError(
        new GraphQLError(`The ${node.operation} operation is not supported by the schema.`, { nodes: node }),
      );
    }
  },
});
