import {
  checkoutPrivateKey,
  checkoutPublicKey,
  generateCheckoutKeys,
  signCheckoutToken,
  verifyCheckoutToken,
  type CheckoutClaims,
} from './checkout-token';

const keys = generateCheckoutKeys();
const priv = checkoutPrivateKey(keys.privateKey);
const pub = checkoutPublicKey(keys.publicKey);
const claims: CheckoutClaims = {
  orderId: '0190a0b0-0000-7000-8000-000000000001',
  customerId: '0190a0b0-0000-7000-8000-000000000002',
  amount: 4900,
  currency: 'EUR',
  expiresAt: Date.now() + 60_000,
};

describe('checkout tokens', () => {
  it('carry the claims orders signed', () => {
    expect(verifyCheckoutToken(pub, signCheckoutToken(priv, claims))).toEqual(claims);
  });

  it('are refused when altered, signed with another key, expired or malformed', () => {
    const token = signCheckoutToken(priv, claims);
    const [, signature] = token.split('.');
    const forged = `${Buffer.from(JSON.stringify({ ...claims, amount: 1 })).toString('base64url')}.${signature}`;
    const otherKey = checkoutPrivateKey(generateCheckoutKeys().privateKey);
    expect(verifyCheckoutToken(pub, forged)).toBeNull();
    expect(verifyCheckoutToken(pub, signCheckoutToken(otherKey, claims))).toBeNull();
    expect(verifyCheckoutToken(pub, signCheckoutToken(priv, { ...claims, expiresAt: Date.now() - 1 }))).toBeNull();
    for (const junk of ['', '.', 'abc', `${token}.x`, 'a.b', 'x'.repeat(5000)]) {
      expect(verifyCheckoutToken(pub, junk)).toBeNull();
    }
  });
});
