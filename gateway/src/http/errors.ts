import type { ErrorRequestHandler, Response } from 'express';
import type { GraphQLFormattedError } from 'graphql';
import { formatError, type Logger } from '@polystore/platform';
import { LIMIT_CODE_SET, withLimitCodes } from '../plugins/operation-limits';
import { PERSISTED_QUERY_NOT_IN_LIST } from '../plugins/persisted-operations';

/** A GraphQL-shaped error answered by the front door itself (before Apollo). */
export function graphqlErrorResponse(
  res: Response,
  status: number,
  code: string,
  message: string,
  extensions: Record<string, unknown> = {},
): void {
  res.status(status).json({ errors: [{ message, extensions: { ...extensions, code } }] });
}

/** Codes the gateway itself answers with: shown as they are in production (no stack). */
const GATEWAY_CODES = new Set<string>([...LIMIT_CODE_SET, PERSISTED_QUERY_NOT_IN_LIST]);

/**
 * What clients see of an error: limit rejections with their own code; in production, coded
 * errors keep message, code and path but never a stack, and anything else becomes
 * "Internal server error" (platform formatError).
 */
export function gatewayFormatError(production: boolean) {
  const platform = formatError(production);
  return (formatted: GraphQLFormattedError): GraphQLFormattedError => {
    let coded = withLimitCodes(formatted);
    if (production && coded.extensions && 'serviceName' in coded.extensions) {
      // which subgraph answered is the gateway's business, not the client's
      const { serviceName: _hidden, ...extensions } = coded.extensions;
      coded = { ...coded, extensions };
    }
    const code = coded.extensions?.['code'];
    if (typeof code === 'string' && GATEWAY_CODES.has(code)) {
      if (!production) return coded;
      const { stacktrace: _dropped, ...extensions } = coded.extensions ?? {};
      return { ...coded, extensions };
    }
    return platform(coded);
  };
}

/**
 * Errors raised by the HTTP layer in front of Apollo (a body over the limit, malformed JSON) as
 * GraphQL-shaped JSON instead of Express's HTML page.
 */
export function httpErrorHandler(logger: Logger): ErrorRequestHandler {
  return (error: { status?: number; type?: string; message?: string }, _req, res, next) => {
    if (res.headersSent) return next(error);
    if (error.type === 'entity.too.large') {
      return graphqlErrorResponse(res, 413, 'PAYLOAD_TOO_LARGE', 'The request body is larger than the gateway accepts');
    }
    if (error.type === 'entity.parse.failed') {
      return graphqlErrorResponse(res, 400, 'BAD_REQUEST', 'The request body is not valid JSON');
    }
    if (error.status && error.status >= 400 && error.status < 500) {
      return graphqlErrorResponse(res, error.status, 'BAD_REQUEST', error.message ?? 'Bad request');
    }
    const code = (error as { extensions?: { code?: string } }).extensions?.code;
    if (code === 'SERVICE_UNAVAILABLE') {
      return graphqlErrorResponse(res, 503, code, error.message ?? 'Service unavailable');
    }
    logger.error({ err: error }, 'request failed before GraphQL');
    graphqlErrorResponse(res, 500, 'INTERNAL_SERVER_ERROR', 'Internal server error');
  };
}
