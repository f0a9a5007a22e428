import express, { type Express, type Response } from 'express';
import {
  AppError,
  encodeSessionGrant,
  ErrorCode,
  JWKS_PATH,
  keepRawBody,
  refreshRequest,
  requireGatewaySignature,
  SESSION_GRANT_HEADER,
  SESSION_REFRESH_PATH,
  type Logger,
  type ServiceMetrics,
  type SessionGrant,
} from '@polystore/platform';
import type { SessionService } from './session.service';
import type { TokenIssuer } from './token-issuer';

/**
 * What accounts serves the gateway besides GraphQL: its public signing keys (JWKS; public, cached
 * by the gateway) and the refresh exchange (only the gateway may call it: HMAC-signed like every
 * gateway request, see platform/gateway-trust).
 */
export function mountSessionRoutes(
  app: Express,
  deps: {
    sessions: SessionService;
    tokens: TokenIssuer;
    signingSecret: string;
    logger: Logger;
    metrics: ServiceMetrics;
  },
): void {
  app.get(JWKS_PATH, (_req, res) => {
    res.setHeader('cache-control', 'public, max-age=60');
    res.json(deps.tokens.jwks());
  });
  app.post(
    SESSION_REFRESH_PATH,
    express.json({ limit: '4kb', verify: keepRawBody }),
    requireGatewaySignature(deps.signingSecret, {
      onReject: (reason) => {
        deps.metrics.rejectedRequests.inc({ reason });
        deps.logger.warn({ reason }, 'unsigned session refresh refused');
      },
    }),
    async (req, res) => {
      const body = refreshRequest.safeParse(req.body);
      if (!body.success) {
        res.status(400).json({ error: 'expected { sessionId, secret }' });
        return;
      }
      let outcome;
      try {
        outcome = await deps.sessions.refresh(body.data.sessionId, body.data.secret);
      } catch (error) {
        // sessions' Redis not answering: 503 at once, which the gateway treats as "try later"
        const unavailable = error instanceof AppError && error.extensions['code'] === ErrorCode.SERVICE_UNAVAILABLE;
        if (!unavailable) deps.logger.error({ err: error }, 'session refresh failed');
        res.status(unavailable ? 503 : 500).json({ error: unavailable ? 'sessions unavailable' : 'internal error' });
        return;
      }
      res.status(outcome.ok ? 200 : 401).json(outcome.grant);
    },
  );
}

/**
 * Collects what a GraphQL request did to sessions and hands it to the gateway in the
 * SESSION_GRANT_HEADER of the response (the gateway turns it into cookies and revocations).
 */
export class SessionGrants {
  private merged: SessionGrant = {};

  constructor(private readonly res: Response | undefined) {}

  add(grant: SessionGrant): void {
    this.merged = {
      issued: grant.issued ?? this.merged.issued,
      revoked: [...(this.merged.revoked ?? []), ...(grant.revoked ?? [])],
      ended: Boolean(this.merged.ended || grant.ended),
    };
    if (grant.ended && !grant.issued) this.merged.issued = undefined;
    if (this.res && !this.res.headersSent) this.res.setHeader(SESSION_GRANT_HEADER, encodeSessionGrant(this.merged));
  }
}
