import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { ACCESS_TOKEN_AUDIENCE, ACCESS_TOKEN_ISSUER } from '@polystore/platform';
import { AccessTokenVerifier } from './access-tokens';

// The verifier against a JWKS served on loopback by this test, as accounts serves it, which the
// test can make answer 503 or stop answering at all: what a token gets while accounts' keys
// cannot be fetched (docs/adr/0008, "When a store is down").

interface Keys {
  privateKey: CryptoKey;
  publicJwk: JWK;
}

async function newKeys(kid: string): Promise<Keys> {
  const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
  return { privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg: 'EdDSA', use: 'sig' } };
}

const sign = (keys: Keys) =>
  new SignJWT({ sid: '0190a0b0-0000-7000-8000-000000000002', roles: ['customer'], sct: 1 })
    .setProtectedHeader({ alg: 'EdDSA', kid: keys.publicJwk.kid!, typ: 'at+jwt' })
    .setIssuer(ACCESS_TOKEN_ISSUER)
    .setAudience(ACCESS_TOKEN_AUDIENCE)
    .setSubject('0190a0b0-0000-7000-8000-000000000001')
    .setJti(randomUUID()) // a new token each time: the verifier remembers tokens it verified
    .setIssuedAt()
    .setExpirationTime('1h')
    .sign(keys.privateKey);

/** Accounts' JWKS endpoint: `answer` says what it does now; `requests` counts what reached it. */
let server: Server;
let url: URL;
let answer: 'keys' | '503' = 'keys';
let published: Keys[] = [];
let requests = 0;

beforeAll(async () => {
  server = createServer((_req, res) => {
    requests++;
    if (answer === '503') return res.writeHead(503).end();
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ keys: published.map((k) => k.publicJwk) }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`);
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  answer = 'keys';
  requests = 0;
});
afterEach(() => jest.restoreAllMocks());

describe('AccessTokenVerifier', () => {
  it('verifies a token signed by a published key', async () => {
    const keys = await newKeys('k1');
    published = [keys];
    const verifier = new AccessTokenVerifier(url);
    expect(await verifier.verify(await sign(keys))).toMatchObject({ status: 'valid', claims: { roles: ['customer'] } });
  });

  it('before any keys were fetched, with accounts not answering: no verdict (unavailable), never a throw', async () => {
    const keys = await newKeys('k1');
    published = [keys];
    const token = await sign(keys);
    // nothing listens there: connection refused
    const closed = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port + 1}/jwks.json`);
    expect(await new AccessTokenVerifier(closed).verify(token)).toEqual({ status: 'unavailable' });
    answer = '503';
    const verifier = new AccessTokenVerifier(url, { retryAfterFailureMs: 0 });
    expect(await verifier.verify(token)).toEqual({ status: 'unavailable' });
    expect(await verifier.keysAvailable()).toBe(false);
    answer = 'keys';
    expect(await verifier.keysAvailable()).toBe(true);
    expect(await verifier.verify(token)).toMatchObject({ status: 'valid' });
  });

  it('after a failed fetch, asks again only once retryAfterFailureMs has passed', async () => {
    const keys = await newKeys('k1');
    published = [keys];
    answer = '503';
    const verifier = new AccessTokenVerifier(url, { retryAfterFailureMs: 60_000 });
    for (let i = 0; i < 5; i++) expect(await verifier.verify(await sign(keys))).toEqual({ status: 'unavailable' });
    expect(requests).toBe(1);
  });

  it('keeps verifying with the keys fetched last while accounts cannot answer for newer ones', async () => {
    const keys = await newKeys('k1');
    published = [keys];
    const verifier = new AccessTokenVerifier(url);
    expect(await verifier.verify(await sign(keys))).toMatchObject({ status: 'valid' });
    answer = '503';
    // eleven minutes on: the cached set is past its 10-minute age and must be fetched again
    const now = Date.now() + 11 * 60_000;
    jest.spyOn(Date, 'now').mockReturnValue(now);
    expect(await verifier.verify(await sign(keys))).toMatchObject({ status: 'valid' });
    expect(requests).toBe(2);
    // a key accounts published after the last fetch: no verdict yet, rather than "invalid"
    expect(await verifier.verify(await sign(await newKeys('k2')))).toEqual({ status: 'unavailable' });
  });

  it('refuses a token whose key accounts does not publish (a verdict: invalid)', async () => {
    published = [await newKeys('k1')];
    const verifier = new AccessTokenVerifier(url);
    expect(await verifier.verify(await sign(await newKeys('k2')))).toEqual({
      status: 'invalid',
      reason: 'ERR_JWKS_NO_MATCHING_KEY',
    });
  });
});
