import { createRemoteJWKSet, errors, jwtVerify } from 'jose';
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
  | { status: 'invalid'; reason: string };

/**
 * Verifies access tokens with accounts' public keys (EdDSA only), fetched from its JWKS and cached;
 * a token signed by a key not seen yet (rotation) makes it fetch again, at most every 30 s.
 * A JWKS that cannot be fetched is an outage, not a verdict: verify() rejects then.
 */
export class AccessTokenVerifier {
  private readonly jwks: ReturnType<typeof createRemoteJWKSet>;
  /**
   * Tokens already verified, until they expire: an Ed25519 verification costs ~300 µs here, and a
   * browser sends the same token for minutes. Revocation is checked on every request regardless.
   */
  private readonly verified = new Map<string, { claims: AccessTokenClaims; expiresAt: number }>();

  constructor(
    jwksUrl: URL,
    private readonly cacheSize = 10_000,
  ) {
    this.jwks = createRemoteJWKSet(jwksUrl, {
      timeoutDuration: 2_000,
      cooldownDuration: 30_000,
      cacheMaxAge: 10 * 60_000,
    });
  }

  async verify(token: string, now = Date.now()): Promise<TokenCheck> {
    const known = this.verified.get(token);
    if (known) {
      if (known.expiresAt > now) return { status: 'valid', ...known };
      this.verified.delete(token);
      return { status: 'expired' };
    }
    try {
      const { payload } = await jwtVerify(token, this.jwks, {
        issuer: ACCESS_TOKEN_ISSUER,
        audience: ACCESS_TOKEN_AUDIENCE,
        algorithms: ['EdDSA'],
        typ: 'at+jwt',
        clockTolerance: 5,
      });
      const parsed = claims.safeParse(payload);
      if (!parsed.success) return { status: 'invalid', reason: 'claims' };
      const entry = { claims: parsed.data, expiresAt: payload.exp! * 1000 };
      if (this.verified.size >= this.cacheSize) this.verified.delete(this.verified.keys().next().value!);
      this.verified.set(token, entry);
      return { status: 'valid', ...entry };
    } catch (error) {
      if (error instanceof errors.JWTExpired) return { status: 'expired' };
      if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid) throw error;
      if (error instanceof errors.JOSEError) return { status: 'invalid', reason: error.code };
      throw error; // the JWKS could not be fetched
    }
  }
}
