import type { ApolloServerPlugin, BaseContext, GraphQLRequestContext } from '@apollo/server';
import { Kind, type GraphQLFormattedError, type OperationDefinitionNode } from 'graphql';
import { ErrorCode } from './errors';
import type { Logger } from './logger';
import type { ServiceMetrics } from './metrics';

const KNOWN_CODES = new Set<string>([
  ...Object.values(ErrorCode),
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE',
  'BAD_REQUEST',
]);

/** The root fields an operation selects (fragments at the root are rare and not counted). */
function rootFields(operation: OperationDefinitionNode): string[] {
  return operation.selectionSet.selections.flatMap((s) => (s.kind === Kind.FIELD ? [s.name.value] : []));
}

function countEntities(metrics: ServiceMetrics, variables: Record<string, unknown> | undefined): void {
  const representations = variables?.['representations'];
  if (!Array.isArray(representations)) return;
  const byType = new Map<string, number>();
  for (const r of representations) {
    const typename = (r as { __typename?: unknown })?.__typename;
    const key = typeof typename === 'string' ? typename : 'unknown';
    byType.set(key, (byType.get(key) ?? 0) + 1);
  }
  for (const [typename, n] of byType) {
    metrics.entityRequests.inc({ typename });
    metrics.entityRepresentations.inc({ typename }, n);
  }
}

/**
 * Request metrics (latency per operation, errors per code, federation entity fetches),
 * a structured log line for every failed or slow operation, and stack traces kept out of
 * responses for anything that is not a deliberate, coded API error.
 */
export function observabilityPlugin(options: {
  metrics: ServiceMetrics;
  logger: Logger;
  slowOperationMs: number;
}): ApolloServerPlugin<BaseContext> {
  const { metrics, logger, slowOperationMs } = options;
  return {
    async requestDidStart(requestContext: GraphQLRequestContext<BaseContext>) {
      const started = process.hrtime.bigint();
      let operationName = 'anonymous';
      let operationType = 'unknown';
      return {
        async didResolveOperation({ operation, request }) {
          if (!operation) return;
          operationName = metrics.operationLabel(request.operationName ?? operation.name?.value);
          operationType = operation.operation;
          if (rootFields(operation).includes('_entities')) countEntities(metrics, request.variables);
        },
        async didEncounterErrors({ errors }) {
          for (const error of errors) {
            const code = String(error.extensions?.['code'] ?? ErrorCode.INTERNAL_SERVER_ERROR);
            metrics.operationErrors.inc({ operation: operationName, code: KNOWN_CODES.has(code) ? code : 'other' });
            if (code === ErrorCode.INTERNAL_SERVER_ERROR) {
              logger.error(
                { err: error.originalError ?? error, operation: operationName, path: error.path },
                'unexpected error while resolving',
              );
            }
          }
        },
        async willSendResponse() {
          const seconds = Number(process.hrtime.bigint() - started) / 1e9;
          metrics.operationDuration.observe({ operation: operationName, type: operationType }, seconds);
          if (seconds * 1000 >= slowOperationMs) {
            logger.warn(
              {
                operation: operationName,
                type: operationType,
                durationMs: Math.round(seconds * 1000),
                requestId: requestContext.request.http?.headers.get('x-request-id') ?? undefined,
              },
              'slow operation',
            );
          }
        },
      };
    },
  };
}

/**
 * What a client sees of an error. Coded API errors pass through; anything else is an internal
 * failure whose message may leak internals, so production replaces it (path kept, no stack).
 */
export function formatError(production: boolean) {
  return (formatted: GraphQLFormattedError): GraphQLFormattedError => {
    const code = formatted.extensions?.['code'];
    const known = typeof code === 'string' && KNOWN_CODES.has(code) && code !== ErrorCode.INTERNAL_SERVER_ERROR;
    if (!production) return formatted;
    if (known) {
      const { stacktrace: _dropped, ...extensions } = formatted.extensions ?? {};
      return { ...formatted, extensions };
    }
    return {
      message: 'Internal server error',
      ...(formatted.path ? { path: formatted.path } : {}),
      ...(formatted.locations ? { locations: formatted.locations } : {}),
      extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR },
    };
  };
}
