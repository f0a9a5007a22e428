import type { Request, Response } from 'express';
import { parseCookie } from 'cookie';
import type { IssuedSession } from '@polystore/platform';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const SECRET = /^[A-Za-z0-9_-]{43}$/;

/** What a browser's cookies say about its session (nothing here is trusted before it is verified). */
export interface PresentedSession {
  /** The browser's session id (anonymous or signed in); absent or malformed → a new one is given. */
  sessionId?: string;
  /** The refresh secret of a signed-in session. */
  secret?: string;
  /** The short-lived access token signed by accounts. */
  accessToken?: string;
}

/**
 * The session cookies the gateway sets and clears. Both are HttpOnly (no script reads them),
 * Secure (HTTPS only; off only for plain-http local development) and SameSite (not sent on
 * cross-site subrequests). With Secure on they carry the `__Host-` prefix: host-only, path /,
 * so a sibling subdomain cannot plant them.
 *   session: `<session id>` for an anonymous browser, `<session id>.<refresh secret>` when signed in
 *   access:  the access token (JWT), living as long as the token does
 */
export class SessionCookies {
  readonly sessionName: string;
  readonly accessName: string;

  constructor(private readonly options: { secure: boolean; sameSite: 'lax' | 'strict'; anonymousTtlMs: number }) {
    const prefix = options.secure ? '__Host-' : '';
    this.sessionName = `${prefix}ps_session`;
    this.accessName = `${prefix}ps_access`;
  }

  read(req: Request): PresentedSession {
    const header = req.headers.cookie;
    if (!header) return {};
    const jar = parseCookie(header);
    const [sessionId, secret] = (jar[this.sessionName] ?? '').split('.', 2);
    const accessToken = jar[this.accessName];
    return {
      sessionId: sessionId && UUID.test(sessionId) ? sessionId : undefined,
      secret: secret && SECRET.test(secret) ? secret : undefined,
      accessToken: accessToken && accessToken.length <= 4096 ? accessToken : undefined,
    };
  }

  /** An anonymous browser's session id; also what remains after a signed-in session ends. */
  setAnonymous(res: Response, sessionId: string): void {
    res.cookie(this.sessionName, sessionId, this.attributes(this.options.anonymousTtlMs));
  }

  /** A session accounts opened or refreshed. */
  setIssued(res: Response, issued: IssuedSession, now = Date.now()): void {
    if (issued.secret) {
      res.cookie(
        this.sessionName,
        `${issued.sessionId}.${issued.secret}`,
        this.attributes(issued.sessionExpiresAt - now),
      );
    }
    res.cookie(this.accessName, issued.accessToken, this.attributes(issued.accessExpiresAt - now));
  }

  clearAccess(res: Response): void {
    res.clearCookie(this.accessName, this.attributes());
  }

  private attributes(maxAgeMs?: number) {
    return {
      httpOnly: true,
      secure: this.options.secure,
      sameSite: this.options.sameSite,
      path: '/',
      ...(maxAgeMs === undefined ? {} : { maxAge: Math.max(0, maxAgeMs) }),
    } as const;
  }
}
