import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { AppError, ErrorCode, parseInput, type Identity, type SessionGrant } from '@polystore/platform';
import type { AccountsScope } from '../context';
import type { RoleService } from '../role/role.service';
import { hashPassword } from '../user/password';
import { PasswordHasherBusy, type PasswordHasher } from '../user/password-hasher';
import type { UserRecord, UserRepository } from '../user/user.repository';
import type { SessionRecord, SessionRepository } from './session.repository';
import type { SignInThrottle } from './sign-in-throttle';
import type { TokenIssuer } from './token-issuer';

const signInInput = z.object({
  email: z
    .string()
    .trim()
    .max(254, 'must be at most 254 characters')
    .transform((email) => email.toLowerCase()),
  password: z.string().min(1, 'must not be empty').max(128, 'must be at most 128 characters'),
});

/** After a rotation the previous refresh secret still works this long (parallel requests of one browser). */
export const ROTATION_GRACE_MS = 30_000;

export interface SessionOptions {
  accessTokenTtlMs: number;
  idleTtlMs: number;
  maxTtlMs: number;
  scryptLogN: number;
}

export const unauthenticated = (message = 'Sign in first') => new AppError(ErrorCode.UNAUTHENTICATED, message);

/** The answer to a refresh: a grant for the gateway, or why not (with any sessions it revoked). */
export type RefreshOutcome = { ok: true; grant: SessionGrant } | { ok: false; grant: SessionGrant };

/**
 * A hash to verify against when the email is unknown, so both failures cost the same time: made
 * once per process (and scrypt cost), when first needed.
 */
const dummyHashes = new Map<number, Promise<string>>();
function dummyHash(scryptLogN: number): Promise<string> {
  let hash = dummyHashes.get(scryptLogN);
  if (!hash) {
    hash = hashPassword(randomBytes(16).toString('hex'), scryptLogN);
    dummyHashes.set(scryptLogN, hash);
  }
  return hash;
}

/**
 * Sessions: sign-in (throttled), sign-out, sign-out everywhere and the refresh that turns a
 * session's secret into a short-lived access token, rotating the secret. Sessions live in Redis
 * (SessionRepository); tokens are signed by the TokenIssuer. See docs/adr/0008-sessions-and-tokens.md.
 *
 * Built per request (context.ts, and the refresh route), bound to its viewer; what a request does
 * to sessions goes to its `sessionGrants`, which hands it to the gateway.
 */
export class SessionService {
  constructor(
    private readonly scope: AccountsScope,
    private readonly sessions: SessionRepository,
    private readonly users: UserRepository,
    private readonly tokens: TokenIssuer,
    private readonly throttle: SignInThrottle,
    private readonly passwords: PasswordHasher,
    private readonly options: SessionOptions,
    private readonly roles: Pick<RoleService, 'sessionRoles'>,
  ) {}

  /**
   * Check the credentials and open a session for the caller's browser session id (a fresh one when
   * the caller has none). The same UNAUTHENTICATED answer, after the same scrypt work, whether the
   * email is unknown or the password wrong.
   */
  async signIn(raw: unknown, now = Date.now()): Promise<{ user: UserRecord; sessionExpiresAt: Date }> {
    const { viewer } = this.scope;
    const input = parseInput(signInInput, raw);
    await this.throttle.attempt(input.email, viewer.clientAddress);
    const credentials = await this.users.findCredentialsByEmail(input.email).catch(async (error: unknown) => {
      // PostgreSQL could not answer (SERVICE_UNAVAILABLE): no verdict, so the attempt goes back —
      // an outage must not lock people out for the throttle's window.
      await this.throttle.notAttempted(input.email, viewer.clientAddress).catch(() => undefined);
      throw error;
    });
    const valid = await this.checkPassword(input, credentials?.passwordHash, viewer);
    if (!credentials || !valid) throw unauthenticated('Email or password is incorrect');
    await this.throttle.succeeded(input.email, viewer.clientAddress);

    // The browser keeps its session id across sign-in (its anonymous cart stays reachable); the
    // credential is the new secret, so knowing the id grants nothing. An id that already holds a
    // session is reused only by that session's own user (re-sign-in); otherwise a fresh id is used,
    // so nobody can end another browser's session by presenting its id.
    const revoked: NonNullable<SessionGrant['revoked']> = [];
    let sessionId = viewer.sessionId && z.uuid().safeParse(viewer.sessionId).success ? viewer.sessionId : randomUUID();
    const previous = await this.sessions.find(sessionId);
    if (previous && viewer.userId === previous.userId) {
      await this.sessions.delete(sessionId, previous.userId);
      revoked.push({ sessionId, at: now });
    } else if (previous) {
      sessionId = randomUUID();
    }
    const roles = await this.roles.sessionRoles(credentials.user.id);
    const secret = newSecret();
    const session: SessionRecord = {
      id: sessionId,
      userId: credentials.user.id,
      secretHash: hashSecret(secret),
      // strictly after any revocation of this id, so the new session's tokens are not refused
      createdAt: now + (revoked.length ? 1 : 0),
      expiresAt: now + this.options.maxTtlMs,
    };
    await this.sessions.create(session, this.idleTtl(session, now), this.options.maxTtlMs);
    const issued = await this.issue(session, roles, now, secret);
    this.scope.sessionGrants.add({ issued, ...(revoked.length ? { revoked } : {}) });
    return { user: credentials.user, sessionExpiresAt: new Date(issued.sessionExpiresAt) };
  }

  /** End the caller's own session; whether there was one. */
  async signOut(now = Date.now()): Promise<boolean> {
    const { viewer, sessionGrants } = this.scope;
    if (!viewer.userId || !viewer.sessionId) {
      sessionGrants.add({ ended: true });
      return false;
    }
    const existed = await this.sessions.delete(viewer.sessionId, viewer.userId);
    sessionGrants.add({ ended: true, revoked: [{ sessionId: viewer.sessionId, at: now }] });
    return existed;
  }

  /** End every session of the caller's user, this one included; how many. */
  async signOutEverywhere(now = Date.now()): Promise<number> {
    const { viewer, sessionGrants } = this.scope;
    if (!viewer.userId) throw unauthenticated();
    const ids = new Set(await this.sessions.deleteAllOf(viewer.userId));
    if (viewer.sessionId) ids.add(viewer.sessionId);
    sessionGrants.add({ ended: true, revoked: [...ids].map((sessionId) => ({ sessionId, at: now })) });
    return ids.size;
  }

  /**
   * Exchange a session's refresh secret for a new access token, rotating the secret. The previous
   * secret is honoured for ROTATION_GRACE_MS (a browser's parallel requests); any older one is a
   * replayed, stolen secret, so the session is ended.
   */
  async refresh(sessionId: string, secret: string, now = Date.now()): Promise<RefreshOutcome> {
    const session = await this.sessions.find(sessionId);
    if (!session) return { ok: false, grant: {} };
    if (now >= session.expiresAt) {
      await this.sessions.delete(sessionId, session.userId);
      return { ok: false, grant: { revoked: [{ sessionId, at: now }] } };
    }
    const presented = hashSecret(secret);
    if (sameHash(presented, session.secretHash)) {
      // read before the secret rotates: a failure here leaves the session as it was
      const roles = await this.roles.sessionRoles(session.userId);
      const next = newSecret();
      const outcome = await this.sessions.rotate(
        sessionId,
        presented,
        hashSecret(next),
        now,
        this.idleTtl(session, now),
      );
      if (outcome === 'rotated') return { ok: true, grant: { issued: await this.issue(session, roles, now, next) } };
      if (outcome === 'gone') return { ok: false, grant: {} };
      // another request rotated it a moment ago: fall through to the grace check with fresh state
      return this.refresh(sessionId, secret, now);
    }
    const inGrace =
      session.previousSecretHash !== undefined &&
      sameHash(presented, session.previousSecretHash) &&
      session.rotatedAt !== undefined &&
      now - session.rotatedAt <= ROTATION_GRACE_MS;
    if (inGrace) {
      const roles = await this.roles.sessionRoles(session.userId);
      return { ok: true, grant: { issued: await this.issue(session, roles, now) } };
    }
    await this.sessions.delete(sessionId, session.userId);
    return { ok: false, grant: { revoked: [{ sessionId, at: now }] } };
  }

  /**
   * A new access token. Its roles are the user's as accounts' database holds them when it is issued
   * (at sign-in and at every refresh), so a grant or revoke reaches a signed-in user with the next
   * refresh, at most one access-token lifetime later (docs/adr/0011-roles-and-staff-writes.md).
   */
  private async issue(session: SessionRecord, roles: string[], now: number, secret?: string) {
    const accessExpiresAt = Math.min(now + this.options.accessTokenTtlMs, session.expiresAt);
    const accessToken = await this.tokens.sign(
      { sub: session.userId, sid: session.id, roles, sct: session.createdAt },
      accessExpiresAt,
      now,
    );
    return {
      sessionId: session.id,
      ...(secret ? { secret } : {}),
      accessToken,
      accessExpiresAt,
      sessionExpiresAt: session.expiresAt,
    };
  }

  private idleTtl(session: SessionRecord, now: number): number {
    return Math.max(1, Math.min(this.options.idleTtlMs, session.expiresAt - now));
  }

  /**
   * The password against the stored hash (a dummy one when the email is unknown: false, after the
   * same work), in the password hasher's threads. Refused by a full hasher (RATE_LIMITED), the
   * attempt goes back to the throttle: it was never checked.
   */
  private async checkPassword(
    input: { email: string; password: string },
    stored: string | undefined,
    viewer: Identity,
  ) {
    try {
      const valid = await this.passwords.verify(input.password, stored ?? (await dummyHash(this.options.scryptLogN)));
      return stored !== undefined && valid;
    } catch (error) {
      if (error instanceof PasswordHasherBusy) await this.throttle.notAttempted(input.email, viewer.clientAddress);
      throw error;
    }
  }
}

const newSecret = () => randomBytes(32).toString('base64url');
const hashSecret = (secret: string) => createHash('sha256').update(secret).digest('base64url');
const sameHash = (a: string, b: string) =>
  a.length === b.length && timingSafeEqual(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
