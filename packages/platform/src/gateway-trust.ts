import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';

/**
 * Subgraphs trust only the gateway. Every request the gateway sends carries an HMAC-SHA256
 * signature, with a secret per subgraph, over a timestamp, the caller's identity and the body.
 * A subgraph answers 401 — before any resolver, `_service` and `_entities` included — to a request
 * that is unsigned, signed with another secret, altered, or older than the replay window.
 * Identity reaches a subgraph only inside a signed request: a header a client sends is never read.
 */

export const TIMESTAMP_HEADER = 'x-polystore-timestamp';
export const IDENTITY_HEADER = 'x-polystore-identity';
export const SIGNATURE_HEADER = 'x-polystore-signature';

/** Who is calling, as established by the gateway (from the session). */
export interface Identity {
  /** The signed-in user's id; absent for an anonymous caller. */
  userId?: string;
  roles: string[];
  /** The session the request belongs to (signed in or anonymous); carts hang on it. */
  sessionId?: string;
  /** Set when the caller is one of Polystore's own services reading through the graph. */
  service?: string;
  /** The client's network address as the gateway saw it (sign-in throttling, audit). */
  clientAddress?: string;
}

export const ANONYMOUS: Identity = Object.freeze({ roles: [] as string[] }) as Identity;

export const MIN_SECRET_LENGTH = 32;
export const DEFAULT_WINDOW_MS = 60_000;

export function encodeIdentity(identity: Identity): string {
  return Buffer.from(JSON.stringify(identity), 'utf8').toString('base64url');
}

export function decodeIdentity(value: string): Identity | null {
  try {
    const parsed = JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as Partial<Identity>;
    if (!parsed || typeof parsed !== 'object' || !Array.isArray(parsed.roles)) return null;
    if (parsed.roles.some((r) => typeof r !== 'string')) return null;
    if (parsed.userId !== undefined && typeof parsed.userId !== 'string') return null;
    if (parsed.sessionId !== undefined && typeof parsed.sessionId !== 'string') return null;
    if (parsed.clientAddress !== undefined && typeof parsed.clientAddress !== 'string') return null;
    if (parsed.service !== undefined && typeof parsed.service !== 'string') return null;
    return {
      roles: parsed.roles,
      userId: parsed.userId,
      sessionId: parsed.sessionId,
      clientAddress: parsed.clientAddress,
      service: parsed.service,
    };
  } catch {
    return null;
  }
}

/** What is signed: version, time, identity and body, one per line (the gateway only POSTs). */
function mac(secret: string, timestamp: string, identity: string, body: Buffer | string): string {
  const bodyHash = createHash('sha256').update(body).digest('hex');
  return createHmac('sha256', secret).update(`v1\nPOST\n${timestamp}\n${identity}\n${bodyHash}`).digest('hex');
}

/** The headers the gateway adds to one subgraph request (identity already encoded). */
export function signatureHeaders(
  secret: string,
  body: string,
  encodedIdentity: string,
  now = Date.now(),
): Record<string, string> {
  const timestamp = String(now);
  return {
    [TIMESTAMP_HEADER]: timestamp,
    [IDENTITY_HEADER]: encodedIdentity,
    [SIGNATURE_HEADER]: `v1=${mac(secret, timestamp, encodedIdentity, body)}`,
  };
}

export function signRequest(secret: string, body: string, identity: Identity = ANONYMOUS, now = Date.now()) {
  return signatureHeaders(secret, body, encodeIdentity(identity), now);
}

export type VerifyResult = { ok: true; identity: Identity } | { ok: false; reason: string };

/** Check one request's signature; constant-time comparison, bounded clock skew both ways. */
export function verifyRequest(
  secret: string,
  headers: { timestamp?: string; identity?: string; signature?: string },
  body: Buffer | string,
  { windowMs = DEFAULT_WINDOW_MS, now = Date.now() } = {},
): VerifyResult {
  const { timestamp, identity, signature } = headers;
  if (!timestamp || identity === undefined || !signature) return { ok: false, reason: 'unsigned request' };
  if (!/^\d{1,15}$/.test(timestamp)) return { ok: false, reason: 'malformed timestamp' };
  if (Math.abs(now - Number(timestamp)) > windowMs) return { ok: false, reason: 'stale or future timestamp' };
  const match = /^v1=([0-9a-f]{64})$/.exec(signature);
  if (!match) return { ok: false, reason: 'malformed signature' };
  const expected = Buffer.from(mac(secret, timestamp, identity, body), 'hex');
  if (!timingSafeEqual(expected, Buffer.from(match[1]!, 'hex'))) return { ok: false, reason: 'bad signature' };
  const decoded = decodeIdentity(identity);
  if (!decoded) return { ok: false, reason: 'malformed identity' };
  return { ok: true, identity: decoded };
}

export interface TrustedRequest extends Request {
  rawBody?: Buffer;
  identity?: Identity;
}

/**
 * The header a Polystore service sets when it reads through the public graph (queryGraph): its
 * name. The request is signed with that service's own secret, which the gateway holds, so the
 * gateway knows the caller is the service and not a client pretending to be one.
 */
export const CALLER_HEADER = 'x-polystore-caller';

/** Keeps the exact bytes of the body for the signature check (express.json's `verify` hook). */
export function keepRawBody(req: Request, _res: Response, buf: Buffer): void {
  (req as TrustedRequest).rawBody = buf;
}

/**
 * Express middleware for a subgraph's /graphql: 401 unless the gateway signed the request.
 * Runs after express.json({ verify: keepRawBody }) and before Apollo; on success it puts the
 * verified identity on the request.
 */
export function requireGatewaySignature(
  secret: string,
  options: { windowMs?: number; onReject?: (reason: string, req: Request) => void } = {},
) {
  if (secret.length < MIN_SECRET_LENGTH)
    throw new Error(`signing secret must be at least ${MIN_SECRET_LENGTH} characters`);
  return (req: Request, res: Response, next: NextFunction): void => {
    const trusted = req as TrustedRequest;
    const result: VerifyResult =
      req.method !== 'POST'
        ? { ok: false, reason: `method ${req.method}` }
        : verifyRequest(
            secret,
            {
              timestamp: req.header(TIMESTAMP_HEADER),
              identity: req.header(IDENTITY_HEADER),
              signature: req.header(SIGNATURE_HEADER),
            },
            trusted.rawBody ?? Buffer.alloc(0),
            { windowMs: options.windowMs },
          );
    if (!result.ok) {
      options.onReject?.(result.reason, req);
      res.status(401).json({
        errors: [{ message: 'Only the gateway may call this service', extensions: { code: 'UNAUTHENTICATED' } }],
      });
      return;
    }
    trusted.identity = result.identity;
    next();
  };
}
