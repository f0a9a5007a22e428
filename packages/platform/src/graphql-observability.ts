import type { ApolloServerPlugin, BaseContext, GraphQLRequestContext } from '@apollo/server';
import { unwrapResolverError } from '@apollo/server/errors';
import { Kind, type GraphQLFormattedError, type OperationDefinitionNode } from 'graphql';
import { AppError, ErrorCode } from './errors';
import { throttledLog } from './log-throttle';
import type { Logger } from './logger';
import type { ServiceMetrics } from './metrics';
import { StoreUnavailableError, unreachableStore, type StoreGuard } from './store-guard';

const KNOWN_CODES = new Set<string>([
  ...Object.values(ErrorCode),
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE',
  'BAD_REQUEST',
]);

/**
 * The representations of a federation `_entities` request, if the operation is one: the
 * argument's variable (the gateway always sends `$representations`) or an inline list.
 */
function entityRepresentations(
  operation: OperationDefinitionNode,
  variables: Record<string, unknown> | undefined,
): unknown[] | undefined {
  for (const selection of operation.selectionSet.selections) {
    if (selection.kind !== Kind.FIELD || selection.name.value !== '_entities') continue;
    const argument = selection.arguments?.find((a) => a.name.value === 'representations')?.value;
    if (argument?.kind === Kind.VARIABLE) {
      const value = variables?.[argument.name.value];
      return Array.isArray(value) ? value : [];
    }
    if (argument?.kind === Kind.LIST) {
      return argument.values.map((v) => {
        if (v.kind !== Kind.OBJECT) return {};
        const typename = v.fields.find((f) => f.name.value === '__typename')?.value;
        return { __typename: typename?.kind === Kind.STRING ? typename.value : undefined };
      });
    }
    return [];
  }
  return undefined;
}

function countEntities(metrics: ServiceMetrics, representations: unknown[] | undefined): void {
  if (!representations) return;
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
 * The store an uncoded error says could not be reached, if any: such an error reaches the client
 * as SERVICE_UNAVAILABLE (formatError), wherever it was thrown. Coded errors are left as they are.
 */
function failedStore(error: unknown, stores: readonly StoreGuard[]): StoreGuard | undefined {
  const original = unwrapResolverError(error);
  return original instanceof AppError ? undefined : unreachableStore(original, stores);
}

/**
 * Request metrics (latency per operation, errors per code, federation entity fetches),
 * a structured log line for every failed or slow operation, and stack traces kept out of
 * responses for anything that is not a deliberate, coded API error. Unexpected errors are logged
 * at most once per 10 s for each kind (with how many were left out); an error that says one of the
 * service's `stores` could not be reached is that store's outage (its guard logs it), counted as
 * SERVICE_UNAVAILABLE.
 */
export function observabilityPlugin(options: {
  metrics: ServiceMetrics;
  logger: Logger;
  slowOperationMs: number;
  stores?: readonly StoreGuard[];
}): ApolloServerPlugin<BaseContext> {
  const { metrics, logger, slowOperationMs, stores = [] } = options;
  const throttled = throttledLog(logger);
  return {
    async requestDidStart(requestContext: GraphQLRequestContext<BaseContext>) {
      const started = process.hrtime.bigint();
      // The gateway forwards its request id to the subgraphs: one id follows a request through every log.
      const requestId = requestContext.request.http?.headers.get('x-request-id') ?? undefined;
      let operationName = 'anonymous';
      let operationType = 'unknown';
      return {
        async didResolveOperation({ operation, request }) {
          if (!operation) return;
          operationName = metrics.operationLabel(request.operationName ?? operation.name?.value);
          operationType = operation.operation;
          countEntities(metrics, entityRepresentations(operation, request.variables));
        },
        async didEncounterErrors({ errors }) {
          for (const error of errors) {
            const store = failedStore(error, stores);
            store?.markDown(unwrapResolverError(error));
            const code = store
              ? ErrorCode.SERVICE_UNAVAILABLE
              : String(error.extensions?.['code'] ?? ErrorCode.INTERNAL_SERVER_ERROR);
            metrics.operationErrors.inc({ operation: operationName, code: KNOWN_CODES.has(code) ? code : 'other' });
            if (code === ErrorCode.INTERNAL_SERVER_ERROR) {
              const err = error.originalError ?? error;
              throttled(
                'error',
                `${err.name}:${err.message.slice(0, 200)}`,
                { err, operation: operationName, path: error.path, requestId },
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
                requestId,
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
export function formatError(production: boolean, stores: readonly StoreGuard[] = []) {
  return (formatted: GraphQLFormattedError, error?: unknown): GraphQLFormattedError => {
    const store = error === undefined ? undefined : failedStore(error, stores);
    if (store) {
      return {
        message: new StoreUnavailableError(store.store).message,
        ...(formatted.path ? { path: formatted.path } : {}),
        ...(formatted.locations ? { locations: formatted.locations } : {}),
        extensions: { code: ErrorCode.SERVICE_UNAVAILABLE },
      };
    }
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
