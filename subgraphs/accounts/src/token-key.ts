/**
 * Print a new access-token signing key for ACCOUNTS_TOKEN_KEYS (npm run token-key).
 * Rotation: put the new key first in the array, keep the old one after it for one access-token
 * lifetime (its tokens still verify), then remove it.
 */
import { newPrivateJwk } from './session/token-issuer';

void newPrivateJwk().then((jwk) => {
  process.stdout.write(`${JSON.stringify([jwk])}\n`);
});
