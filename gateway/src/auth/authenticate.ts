import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import {
  ANONYMOUS,
  AppError,
  ErrorCode,
  type Identity,
  type IssuedSession,
  type Logger,
  type SessionGrant,
} from '@polystore/platform';
import type { AccessTokenVerifier } from './access-tokens';
import type { AccountsSessions } from './accounts-sessions';
import type { Revocations } from './revocations';
import type { SessionCookies } from './session-cookies';

export interface AuthDeps {
  cookies: SessionCookies;
  tokens: AccessTokenVerifier;
  revocations: Revocations;
  accounts: AccountsSessions;
  logger: Logger;
  onOutcome?: (outcome: SessionOutcome) => void;
}

/**
 * How a request's identity was established (the `outcome` label of gateway_sessions_total):
 * `token_unchecked` is a valid token accepted while the revocation list could not be read;
 * `refresh_deferred` a refresh not attempted (revocation list unreadable) or not answered (accounts
 * unavailable), the request served as anonymous with its cookies kept.
 */
export type SessionOutcome =
  'token' | 'token_unchecked' | 'refreshed' | 'anonymous' | 'refresh_refused' | 'refresh_deferred' | 'revoked';

/** The identity the front door established for this request (never a header the client sent). */
export function identityOf(res: Response): Identity {
  return (res.locals['identity'] as Identity | undefined) ?? ANONYMOUS;
}

/**
 * Without sessions (the supergraph has no sessions subgraph): every client is anonymous, known only
 * by its address, and no cookie is set — the gateway then answers as a stock one would.
 */
export function anonymousCallers(): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    res.locals['identity'] ??= { roles: [], clientAddress: req.ip ?? req.socket.remoteAddress ?? undefined };
    next();
  };
}

/**
 * Establishes who is calling, from the session cookies only:
 *  1. a valid access token (signature by a key in accounts' JWKS, not expired, issued for the
 *     browser's session id, not revoked in the gateway's Redis) → that user, with its roles;
 *  2. else a refresh secret → accounts is asked for a new token (and rotates the secret); the new
 *     cookies go out with this response;
 *  3. else anonymous, with the browser's session id — a new one (and its cookie) when it has none.
 * A failed refresh leaves an anonymous caller. When the revocation list cannot be read, a valid
 * token is still accepted (it expires within minutes) but no refresh mints a new one; when accounts
 * cannot answer a refresh, neither: that request is anonymous, its cookies kept for the next one
 * (docs/adr/0008-sessions-and-tokens.md, "When a store is down").
 */
export class Authenticator {
  constructor(private readonly deps: AuthDeps) {}

  middleware(): RequestHandler {
    return (req: Request, res: Response, next: NextFunction) => {
      // already established: one of Polystore's own services (service-callers.ts)
      if (res.locals['identity']) return next();
      this.authenticate(req, res).then((identity) => {
        res.locals['identity'] = identity;
        next();
      }, next);
    };
  }

  async authenticate(req: Request, res: Response): Promise<Identity> {
    const { cookies, tokens, revocations, accounts } = this.deps;
    const presented = cookies.read(req);
    const clientAddress = req.ip ?? req.socket.remoteAddress ?? undefined;
    let sessionId = presented.sessionId;
    if (!sessionId) {
      sessionId = randomUUID();
      cookies.setAnonymous(res, sessionId);
    }
    const anonymous: Identity = { roles: [], sessionId, clientAddress };

    if (presented.accessToken) {
      const check = await tokens.verify(presented.accessToken);
      if (check.status === 'valid' && check.claims.sid === sessionId) {
        const revocation = await revocations.check(sessionId, check.claims.sct);
        if (revocation !== 'revoked') {
          this.deps.onOutcome?.(revocation === 'valid' ? 'token' : 'token_unchecked');
          return { userId: check.claims.sub, roles: check.claims.roles, sessionId, clientAddress };
        }
        this.deps.onOutcome?.('revoked');
      }
      if (!presented.secret) cookies.clearAccess(res);
    }
    if (!presented.secret || !presented.sessionId) {
      this.deps.onOutcome?.('anonymous');
      return anonymous;
    }

    // A refresh mints a token no revocation could stop for its lifetime: not while the list is unreadable.
    if (!(await revocations.answers(sessionId))) return this.deferred(anonymous);
    let refreshed;
    try {
      refreshed = await accounts.refresh(sessionId, presented.secret);
    } catch (error) {
      if (error instanceof AppError && error.extensions['code'] === ErrorCode.SERVICE_UNAVAILABLE) {
        return this.deferred(anonymous);
      }
      throw error;
    }
    await revocations.record(refreshed.grant.revoked);
    const issued = refreshed.ok ? refreshed.grant.issued : undefined;
    const identity = issued ? await this.identityFrom(issued, clientAddress) : null;
    if (!issued || !identity) {
      // the session ended (signed out elsewhere, expired, replayed secret): stay anonymous on this id
      this.deps.onOutcome?.('refresh_refused');
      cookies.setAnonymous(res, sessionId);
      cookies.clearAccess(res);
      return anonymous;
    }
    this.deps.onOutcome?.('refreshed');
    cookies.setIssued(res, issued);
    return identity;
  }

  /** Anonymous for this request only: the session's cookies stay, so the next request refreshes. */
  private deferred(anonymous: Identity): Identity {
    this.deps.onOutcome?.('refresh_deferred');
    return anonymous;
  }

  /**
   * Apply what accounts reported on a GraphQL response (sign-in, sign-out): record revocations
   * before the response leaves, set or clear the cookies.
   */
  async applyGrant(res: Response, grant: SessionGrant): Promise<void> {
    await this.deps.revocations.record(grant.revoked);
    if (grant.issued) {
      if (await this.identityFrom(grant.issued, undefined)) this.deps.cookies.setIssued(res, grant.issued);
      else this.deps.logger.error('accounts issued a session whose token does not verify; not set');
      return;
    }
    if (grant.ended) {
      // a signed-out browser starts over with a fresh anonymous session id
      this.deps.cookies.setAnonymous(res, randomUUID());
      this.deps.cookies.clearAccess(res);
    }
  }

  /** The identity an issued token stands for, once it verifies (a grant is never taken on trust). */
  private async identityFrom(issued: IssuedSession, clientAddress: string | undefined): Promise<Identity | null> {
    const check = await this.deps.tokens.verify(issued.accessToken);
    if (check.status !== 'valid' || check.claims.sid !== issued.sessionId) return null;
    return { userId: check.claims.sub, roles: check.claims.roles, sessionId: issued.sessionId, clientAddress };
  }
}
