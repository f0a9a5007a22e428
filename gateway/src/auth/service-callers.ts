import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import {
  CALLER_HEADER,
  ErrorCode,
  IDENTITY_HEADER,
  keepRawBody,
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  verifyRequest,
  type TrustedRequest,
} from '@polystore/platform';
import { graphqlErrorResponse } from '../http/errors';

/**
 * Polystore's own services reading through the graph (a product check, a reindex) say who they
 * are in `x-polystore-caller` and sign the request with their own secret, the one the gateway
 * already holds for that subgraph. A verified service is the caller of the request — no session
 * cookie, no client-address rate budget shared with every other call it makes. A request that
 * claims to be a service without its signature is refused (401), never downgraded to anonymous.
 */
export function serviceCallers(
  secrets: Record<string, string>,
  options: { bodyLimit: string; onReject?: (reason: string) => void },
): RequestHandler {
  const parseBody = express.json({ limit: options.bodyLimit, verify: keepRawBody });
  return (req: Request, res: Response, next: NextFunction) => {
    const service = req.header(CALLER_HEADER);
    if (service === undefined) return next();
    parseBody(req, res, (error?: unknown) => {
      if (error) return next(error);
      const secret = Object.hasOwn(secrets, service) ? secrets[service] : undefined;
      const result = secret
        ? verifyRequest(
            secret,
            {
              timestamp: req.header(TIMESTAMP_HEADER),
              identity: req.header(IDENTITY_HEADER),
              signature: req.header(SIGNATURE_HEADER),
            },
            (req as TrustedRequest).rawBody ?? Buffer.alloc(0),
          )
        : ({ ok: false, reason: 'unknown service' } as const);
      if (!result.ok || result.identity.service !== service || result.identity.userId) {
        options.onReject?.(result.ok ? 'identity mismatch' : result.reason);
        graphqlErrorResponse(res, 401, ErrorCode.UNAUTHENTICATED, 'The service signature did not verify');
        return;
      }
      res.locals['identity'] = { roles: ['service'], service };
      next();
    });
  };
}
