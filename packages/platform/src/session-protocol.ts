import { z } from 'zod';

/**
 * The contract between accounts (which owns sessions and signs access tokens) and the gateway
 * (which verifies them and keeps them in the browser's cookies). Both sides import it from here;
 * neither imports the other's code. See docs/adr/0008-sessions-and-tokens.md.
 */

/** Issuer and audience of every access token. */
export const ACCESS_TOKEN_ISSUER = 'polystore-accounts';
export const ACCESS_TOKEN_AUDIENCE = 'polystore-gateway';
/** Accounts serves its public signing keys here (JWKS, one key per `kid`). */
export const JWKS_PATH = '/.well-known/jwks.json';
/** The gateway exchanges a session's refresh secret for a fresh access token here (HMAC-signed POST). */
export const SESSION_REFRESH_PATH = '/internal/sessions/refresh';
/** Accounts tells the gateway, on the response of the request that did it, what happened to sessions. */
export const SESSION_GRANT_HEADER = 'x-polystore-session-grant';

/** Claims of an access token, beyond iss/aud/iat/exp. */
export interface AccessTokenClaims {
  /** The user. */
  sub: string;
  /** The session (also the browser's session id: carts hang on it). */
  sid: string;
  roles: string[];
  /** When this session was created, in ms: a revocation at `at` refuses tokens of sessions created before it. */
  sct: number;
}

const sessionId = z.uuid();

const issued = z.object({
  sessionId,
  /** The new refresh secret, when it was created or rotated; absent when the old one stays. */
  secret: z
    .string()
    .regex(/^[A-Za-z0-9_-]{43}$/)
    .optional(),
  accessToken: z.string().min(1).max(4096),
  /** ms since the epoch */
  accessExpiresAt: z.number().int().positive(),
  sessionExpiresAt: z.number().int().positive(),
});

const grantSchema = z.object({
  issued: issued.optional(),
  /** Sessions that ended at `at` (ms): every access token minted for them before that is void. */
  revoked: z
    .array(z.object({ sessionId, at: z.number().int().positive() }))
    .max(1000)
    .optional(),
  /** The caller's own session ended (sign-out): its cookies are cleared and a fresh anonymous id given. */
  ended: z.boolean().optional(),
});

export type SessionGrant = z.infer<typeof grantSchema>;
export type IssuedSession = z.infer<typeof issued>;

export function encodeSessionGrant(grant: SessionGrant): string {
  return Buffer.from(JSON.stringify(grant), 'utf8').toString('base64url');
}

/** Null for anything that is not a well-formed grant. */
export function decodeSessionGrant(value: string | null | undefined): SessionGrant | null {
  if (!value) return null;
  try {
    const parsed = grantSchema.safeParse(JSON.parse(Buffer.from(value, 'base64url').toString('utf8')));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** Body of a refresh request (gateway → accounts). */
export const refreshRequest = z.object({
  sessionId,
  secret: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
});
export type RefreshRequest = z.infer<typeof refreshRequest>;

export { grantSchema as sessionGrantSchema };
