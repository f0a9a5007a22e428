import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';

/**
 * A checkout token: orders' signed statement that an order belongs to a customer and costs a
 * total, which payments verifies before it charges (docs/adr/0006). Orders holds the Ed25519
 * private key, payments only the public key: payments can check a token but never make one, and
 * neither reads the other's database.
 *
 * Format: base64url(JSON claims) "." base64url(Ed25519 signature over the first part).
 */
export interface CheckoutClaims {
  orderId: string;
  customerId: string;
  /** Integer minor units. */
  amount: number;
  currency: string;
  /** Expiry, milliseconds since the epoch. */
  expiresAt: number;
}

/** Keys travel in the environment as base64 DER (PKCS#8 private, SPKI public). */
export function checkoutPrivateKey(base64Der: string): KeyObject {
  return createPrivateKey({ key: Buffer.from(base64Der, 'base64'), format: 'der', type: 'pkcs8' });
}

export function checkoutPublicKey(base64Der: string): KeyObject {
  return createPublicKey({ key: Buffer.from(base64Der, 'base64'), format: 'der', type: 'spki' });
}

/** A fresh key pair (for development runs and tests; production keys come from the secret store). */
export function generateCheckoutKeys(): { privateKey: string; publicKey: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privateKey: privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64'),
    publicKey: publicKey.export({ format: 'der', type: 'spki' }).toString('base64'),
  };
}

export function signCheckoutToken(key: KeyObject, claims: CheckoutClaims): string {
  const body = Buffer.from(JSON.stringify(claims), 'utf8').toString('base64url');
  return `${body}.${sign(null, Buffer.from(body), key).toString('base64url')}`;
}

/** The claims of a genuine, unexpired token; null for anything else. */
export function verifyCheckoutToken(key: KeyObject, token: string, now = Date.now()): CheckoutClaims | null {
  const [body, signature, extra] = token.split('.');
  if (!body || !signature || extra !== undefined || token.length > 2048) return null;
  try {
    if (!verify(null, Buffer.from(body), key, Buffer.from(signature, 'base64url'))) return null;
  } catch {
    return null;
  }
  try {
    const claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as CheckoutClaims;
    const valid =
      typeof claims.orderId === 'string' &&
      typeof claims.customerId === 'string' &&
      Number.isSafeInteger(claims.amount) &&
      typeof claims.currency === 'string' &&
      Number.isSafeInteger(claims.expiresAt);
    return valid && claims.expiresAt > now ? claims : null;
  } catch {
    return null;
  }
}
