import {
  createLocalJWKSet,
  createRemoteJWKSet,
  customFetch,
  errors,
  jwtVerify,
  type FetchImplementation,
  type JWTVerifyGetKey,
} from 'jose';
import { z } from 'zod';
import { ACCESS_TOKEN_AUDIENCE, ACCESS_TOKEN_ISSUER, type AccessTokenClaims } from '@polystore/platform';

const claims = z.object({
  sub: z.uuid(),
  sid: z.uuid(),
  roles: z.array(z.string().max(50)).max(20),
  sct: z.number().int().positive(),
});

export type TokenCheck =
  | { status: 'valid'; claims: AccessTokenClaims; expiresAt: number }
  | { status: 'expired' }
  | { status: 'invalid'; reason: string }
  /** Accounts' keys could not be fetched and none are known yet: no verdict on this token. */
  | { status: 'unavailable' };

/** Accounts' JWKS could not be fetched: refused, timed out, not 200, not a key set. */
class KeysUnavailable extends Error {
  override readonly name = 'KeysUnavailable';
}

/**
 * Verifies access tokens with accounts' public keys (EdDSA only), fetched from its JWKS and cached;
 * a token signed by a key not seen yet (rotation) makes it fetch again, at most every 30 s.
 * When accounts cannot answer for its keys, the keys fetched last keep verifying (they are public,
 * and a rotated-out key stays published a token lifetime after it stopped signing); before any
 * were fetched, verify() answers `unavailable` — an outage, not a verdict on the token (the front
 * door then serves the request as anonymous: docs/adr/0008, "When a store is down"). After a
 * failed fetch the next one waits `retryAfterFailureMs`, so an outage costs one call per second,
 * not one per request.
 */
export class AccessTokenVerifier {
  private readonly remote: ReturnType<typeof createRemoteJWKSet>;
  private readonly keys: JWTVerifyGetKey;
  private failedAt = -Infinity;
  /**
   * Tokens already verified, until they expire: an Ed25519 verification costs ~300 µs here, and a
   * browser sends the same token for minutes. Revocation is checked on every request regardless.
   */
  private readonly verified = new Map<string, { claims: AccessTokenClaims; expiresAt: number }>();

  constructor(
    jwksUrl: URL,
    private readonly options: { cacheSize?: number; timeoutMs?: number; retryAfterFailureMs?: number } = {},
  ) {
    this.remote = createRemoteJWKSet(jwksUrl, {
      timeoutDuration: options.timeoutMs ?? 2_000,
      cooldownDuration: 30_000,
      cacheMaxAge: 10 * 60_000,
      [customFetch]: this.fetchKeys,
    });
    this.keys = async (header, token) => {
      try {
        return await this.remote(header, token);
      } catch (error) {
        const last = error instanceof KeysUnavailable ? this.remote.jwks() : undefined;
        if (!last) throw error;
        try {
          return await createLocalJWKSet(last)(header, token);
        } catch {
          throw error; // not among the last keys either: still no verdict
        }
      }
    };
  }

  /** True when accounts' keys are known (fetched now if none are): a token accounts issues can be verified. */
  async keysAvailable(): Promise<boolean> {
    if (this.remote.jwks()) return true;
    try {
      await this.remote.reload();
      return true;
    } catch {
      return false;
    }
  }

  async verify(token: string, now = Date.now()): Promise<TokenCheck> {
    const known = this.verified.get(token);
    if (known) {
      if (known.expiresAt > now) return { status: 'valid', ...known };
      this.verified.delete(token);
      return { status: 'expired' };
    }
    try {
      const { payload } = await jwtVerify(token, this.keys, {
        issuer: ACCESS_TOKEN_ISSUER,
        audience: ACCESS_TOKEN_AUDIENCE,
        algorithms: ['EdDSA'],
        typ: 'at+jwt',
        clockTolerance: 5,
      });
      const parsed = claims.safeParse(payload);
      if (!parsed.success) return { status: 'invalid', reason: 'claims' };
      const entry = { claims: parsed.data, expiresAt: payload.exp! * 1000 };
      if (this.verified.size >= (this.options.cacheSize ?? 10_000))
        this.verified.delete(this.verified.keys().next().value!);
      this.verified.set(token, entry);
      return { status: 'valid', ...entry };
    } catch (error) {
      if (error instanceof KeysUnavailable) return { status: 'unavailable' };
      if (error instanceof errors.JWTExpired) return { status: 'expired' };
      if (error instanceof errors.JOSEError) return { status: 'invalid', reason: error.code };
      throw error;
    }
  }

  /** jose's fetch of the JWKS: every way it can fail is KeysUnavailable, and none is retried within a second. */
  private readonly fetchKeys: FetchImplementation = async (url, init) => {
    if (Date.now() - this.failedAt < (this.options.retryAfterFailureMs ?? 1_000)) {
      throw new KeysUnavailable('the last fetch of the keys failed a moment ago');
    }
    try {
      const response = await fetch(url, init);
      const text = await response.text();
      if (response.status !== 200) throw new KeysUnavailable(`HTTP ${response.status}`);
      const set = JSON.parse(text) as { keys?: unknown };
      if (!Array.isArray(set?.keys)) throw new KeysUnavailable('not a key set');
      return new Response(text, { status: 200, headers: { 'content-type': 'application/json' } });
    } catch (error) {
      this.failedAt = Date.now();
      throw error instanceof KeysUnavailable ? error : new KeysUnavailable((error as Error).message, { cause: error });
    }
  };
}
