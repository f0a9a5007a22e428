import { randomUUID } from 'node:crypto';
import {
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  importJWK,
  SignJWT,
  type CryptoKey,
  type JSONWebKeySet,
  type JWK,
} from 'jose';
import { z } from 'zod';
import { ACCESS_TOKEN_AUDIENCE, ACCESS_TOKEN_ISSUER, type AccessTokenClaims } from '@polystore/platform';

const ALG = 'EdDSA';

const privateJwk = z.object({
  kty: z.literal('OKP'),
  crv: z.literal('Ed25519'),
  x: z.string().min(1),
  d: z.string().min(1),
  kid: z.string().min(1).max(100),
});

interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

/**
 * Signs short-lived access tokens with Ed25519 (EdDSA). The first configured key signs; every
 * configured key is published in the JWKS, so rotation is: add a new key first, keep the old one
 * listed for one access-token lifetime, then drop it. See docs/adr/0008-sessions-and-tokens.md.
 */
export class TokenIssuer {
  private constructor(private readonly keys: SigningKey[]) {}

  /** From ACCOUNTS_TOKEN_KEYS (a JSON array of private JWKs), or one fresh key when none is given. */
  static async create(configured: string | undefined): Promise<TokenIssuer> {
    if (!configured) {
      const { privateKey } = await generateKeyPair(ALG, { crv: 'Ed25519', extractable: true });
      return TokenIssuer.fromJwks([await privateJwkOf(privateKey)]);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(configured);
    } catch {
      throw new Error('ACCOUNTS_TOKEN_KEYS: not JSON (expected an array of private Ed25519 JWKs)');
    }
    const list = z.array(privateJwk).min(1).safeParse(parsed);
    if (!list.success) throw new Error(`ACCOUNTS_TOKEN_KEYS: ${list.error.issues[0]?.message ?? 'invalid'}`);
    return TokenIssuer.fromJwks(list.data);
  }

  private static async fromJwks(jwks: z.infer<typeof privateJwk>[]): Promise<TokenIssuer> {
    const keys = await Promise.all(
      jwks.map(async (jwk) => ({
        kid: jwk.kid,
        privateKey: (await importJWK({ ...jwk, alg: ALG }, ALG)) as CryptoKey,
        publicJwk: { kty: jwk.kty, crv: jwk.crv, x: jwk.x, kid: jwk.kid, alg: ALG, use: 'sig' },
      })),
    );
    return new TokenIssuer(keys);
  }

  /** The public keys, for the gateway (served at JWKS_PATH). */
  jwks(): JSONWebKeySet {
    return { keys: this.keys.map((k) => k.publicJwk) };
  }

  async sign(claims: AccessTokenClaims, expiresAt: number, now = Date.now()): Promise<string> {
    const key = this.keys[0]!;
    return new SignJWT({ sid: claims.sid, roles: claims.roles, sct: claims.sct })
      .setProtectedHeader({ alg: ALG, kid: key.kid, typ: 'at+jwt' })
      .setIssuer(ACCESS_TOKEN_ISSUER)
      .setAudience(ACCESS_TOKEN_AUDIENCE)
      .setSubject(claims.sub)
      .setJti(randomUUID())
      .setIssuedAt(Math.floor(now / 1000))
      .setExpirationTime(Math.floor(expiresAt / 1000))
      .sign(key.privateKey);
  }
}

/** A new private JWK with its thumbprint as `kid` (what `npm run token-key` prints). */
export async function newPrivateJwk(): Promise<JWK> {
  const { privateKey } = await generateKeyPair(ALG, { crv: 'Ed25519', extractable: true });
  return privateJwkOf(privateKey);
}

async function privateJwkOf(privateKey: CryptoKey) {
  const jwk = await exportJWK(privateKey);
  const kid = await calculateJwkThumbprint({ kty: jwk.kty!, crv: jwk.crv!, x: jwk.x! });
  return privateJwk.parse({ ...jwk, kid });
}
