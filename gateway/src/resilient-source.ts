import type { GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { Fetcher } from '@apollo/utils.fetcher';
import { ErrorCode, type Logger } from '@polystore/platform';
import {
  Kind,
  parse,
  type GraphQLFormattedError,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type DocumentNode,
} from 'graphql';
import { RETRYABLE_HEADER, SubgraphFetchError } from './fetcher';
import { PolystoreDataSource, type GatewayContext } from './subgraph-source';

type ProcessOptions = GraphQLDataSourceProcessOptions<GatewayContext>;
type ProcessResult = Awaited<ReturnType<PolystoreDataSource['process']>>;
type IncomingOperation = Extract<ProcessOptions, { incomingRequestContext: unknown }>;

/** A fetch for a client's operation (not a health check or schema load). */
const isIncomingOperation = (options: ProcessOptions): options is IncomingOperation =>
  'incomingRequestContext' in options;

/** A subgraph operation the gateway may send twice: a query (the planner writes `query …` or `{ … }`). */
export function isQueryOperation(subgraphOperation: string): boolean {
  return /^\s*(query\b|\{)/.test(subgraphOperation);
}

/** The top-level response keys of an operation (aliases win), `__typename` aside. */
function rootResponseKeys(document: DocumentNode): string[] {
  const operation = document.definitions.find(
    (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
  );
  const fragments = new Map(
    document.definitions.flatMap((d) => (d.kind === Kind.FRAGMENT_DEFINITION ? [[d.name.value, d] as const] : [])),
  );
  const keys = new Set<string>();
  const visit = (set: SelectionSetNode) => {
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        if (selection.name.value !== '__typename') keys.add(selection.alias?.value ?? selection.name.value);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        visit(selection.selectionSet);
      } else {
        const fragment = fragments.get(selection.name.value);
        if (fragment) visit(fragment.selectionSet);
      }
    }
  };
  if (operation) visit(operation.selectionSet);
  return [...keys];
}

/**
 * The errors that stand for a subgraph fetch that failed as a whole, one per field it would have
 * filled, each with a path the gateway completes (an entity fetch: `_entities.<i>`, which the gateway
 * maps to where that entity sits in the response; a root fetch: the field's response key). The
 * gateway adds `extensions.serviceName`; the fields stay null and the rest of the response stands.
 */
export function fetchFailureErrors(
  request: { query?: string; variables?: Record<string, unknown> },
  failure: Failure,
): GraphQLFormattedError[] {
  const { message, ...extensions } = failure;
  let keys: string[] = [];
  try {
    keys = request.query ? rootResponseKeys(parse(request.query)) : [];
  } catch {
    // not parseable: one error without a path
  }
  if (keys.length === 1 && keys[0] === '_entities') {
    const representations = request.variables?.['representations'];
    const count = Array.isArray(representations) ? representations.length : 0;
    if (count > 0) {
      return Array.from({ length: count }, (_, i) => ({
        message,
        path: ['_entities', i],
        extensions,
      }));
    }
  }
  if (keys.length === 0) return [{ message, extensions }];
  return keys.map((key) => ({ message, path: [key], extensions }));
}

/** A failed fetch as the caller sees it: `message`, and `code` and `reason` as extensions. */
export interface Failure {
  message: string;
  code: string;
  reason: string;
}

/**
 * What a thrown fetch error means for the caller of this subgraph operation: SERVICE_UNAVAILABLE
 * when nothing was carried out (a read, or a mutation never delivered), OUTCOME_UNKNOWN for a
 * mutation that may have run although no answer came back (check before repeating it).
 */
export function describeFailure(error: unknown, subgraph: string, operation: string): Failure {
  if (error instanceof SubgraphFetchError) {
    if (isQueryOperation(operation) || error.neverSent) {
      return { message: error.message, code: ErrorCode.SERVICE_UNAVAILABLE, reason: error.reason };
    }
    return {
      message: `${error.message}; the change may or may not have been made`,
      code: ErrorCode.OUTCOME_UNKNOWN,
      reason: error.reason,
    };
  }
  // A 4xx answer (RemoteGraphQLDataSource turns it into a GraphQLError) or an unreadable body: the
  // gateway and the subgraph disagree, which is a fault of ours, not the caller's.
  const status = (error as { extensions?: { response?: { status?: number } } }).extensions?.response?.status;
  return {
    message: `${subgraph} refused the request${status ? ` (HTTP ${status})` : ''}`,
    code: ErrorCode.INTERNAL_SERVER_ERROR,
    reason: status ? `http_${status}` : 'bad_response',
  };
}

/**
 * A subgraph as the gateway calls it, made resilient: queries are marked retryable for the fetcher,
 * and a fetch that fails as a whole becomes field errors (path and service name kept) instead of an
 * exception, so the other subgraphs' data still reaches the client.
 */
export class ResilientDataSource extends PolystoreDataSource {
  readonly name: string;
  private readonly logger: Logger | undefined;

  constructor(config: {
    name: string;
    url: string;
    fetcher: Fetcher;
    logger?: Logger;
    acceptsSessionGrants?: boolean;
  }) {
    // Only the sessions subgraph (accounts) may hand the gateway session changes (sign-in, sign-out).
    super({ url: config.url, fetcher: config.fetcher, acceptsSessionGrants: config.acceptsSessionGrants });
    this.name = config.name;
    this.logger = config.logger;
  }

  override willSendRequest(options: ProcessOptions): void {
    super.willSendRequest(options);
    if (isIncomingOperation(options) && isQueryOperation(options.request.query ?? '')) {
      options.request.http?.headers.set(RETRYABLE_HEADER, '1');
    }
  }

  override async process(options: ProcessOptions): Promise<ProcessResult> {
    try {
      return await super.process(options);
    } catch (error) {
      if (!isIncomingOperation(options)) throw error;
      const failure = describeFailure(error, this.name, options.request.query ?? '');
      const context = options.context as Partial<GatewayContext>;
      // Failing fast is the expected, cheap case while a breaker is open: not worth a line each.
      const level = failure.reason === 'circuit_open' ? 'debug' : 'warn';
      this.logger?.[level](
        {
          subgraph: this.name,
          reason: failure.reason,
          requestId: context.requestId,
          operation: options.incomingRequestContext.operationName ?? undefined,
          path: options.pathInIncomingRequest,
          err: error instanceof SubgraphFetchError ? undefined : error,
        },
        failure.message,
      );
      return { errors: fetchFailureErrors(options.request, failure) } as ProcessResult;
    }
  }
}
