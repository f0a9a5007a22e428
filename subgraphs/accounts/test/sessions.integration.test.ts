import { Redis } from 'ioredis';
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose';
import {
  ACCESS_TOKEN_AUDIENCE,
  ACCESS_TOKEN_ISSUER,
  decodeSessionGrant,
  JWKS_PATH,
  SESSION_GRANT_HEADER,
  SESSION_REFRESH_PATH,
  signRequest,
  type Identity,
  type SessionGrant,
} from '@polystore/platform';
import { codes, signedGql, TEST_SIGNING_SECRET, type GraphQLResponse } from '../../../test-support/graphql';
import { createTestDatabase, type TestDatabase } from '../../../test-support/postgres';
import { createTestKeySpace, type TestKeySpace } from '../../../test-support/redis';
import { createAccounts, type Accounts } from '../src/app';
import { loadAccountsConfig } from '../src/config';
import { createRoleService } from '../src/role/role.service';

// Sessions on the stack's real Redis (as the `accounts` ACL user, under a prefix of this file's
// own) and users on the real PostgreSQL.
let db: TestDatabase;
let keySpace: TestKeySpace;
let accounts: Accounts;
let base: string;
let redis: Redis;

const PASSWORD = 'correct horse battery';
const SIGN_IN = `mutation($input: SignInInput!) { signIn(input: $input) { user { id email } sessionExpiresAt } }`;
const browser = () => ({ roles: [] as string[], sessionId: crypto.randomUUID(), clientAddress: `10.0.0.${next++}` });
let next = 1;

/** A signed GraphQL request to accounts, with the session grant accounts answered in its header. */
async function call(query: string, variables: Record<string, unknown>, identity: Identity) {
  const body = JSON.stringify({ query, variables });
  const response = await fetch(`${base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...signRequest(TEST_SIGNING_SECRET, body, identity) },
    body,
  });
  const json = (await response.json()) as Omit<GraphQLResponse, 'status'>;
  return {
    ...json,
    status: response.status,
    grant: decodeSessionGrant(response.headers.get(SESSION_GRANT_HEADER)),
  } as GraphQLResponse<Record<string, any>> & { grant: SessionGrant | null };
}

async function refresh(sessionId: string, secret: string, secret_ = TEST_SIGNING_SECRET) {
  const body = JSON.stringify({ sessionId, secret });
  const response = await fetch(`${base}${SESSION_REFRESH_PATH}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...signRequest(secret_, body) },
    body,
  });
  return { status: response.status, grant: (await response.json()) as SessionGrant };
}

async function signUp(email: string) {
  const res = await signedGql(`${base}/graphql`, `mutation($i: SignUpInput!) { signUp(input: $i) { id } }`, {
    i: { email, name: 'Sam', password: PASSWORD },
  });
  return res.data!['signUp'].id as string;
}

const sessionKey = (id: string) => `${keySpace.prefix}sess:${id}`;

beforeAll(async () => {
  db = await createTestDatabase('accounts');
  keySpace = await createTestKeySpace('acc', 'ACCOUNTS_REDIS_URL');
  accounts = await createAccounts(
    loadAccountsConfig({
      ACCOUNTS_DATABASE_URL: db.appUrl,
      ACCOUNTS_REDIS_URL: keySpace.url,
      ACCOUNTS_REDIS_PREFIX: keySpace.prefix,
      ACCOUNTS_SIGNING_SECRET: TEST_SIGNING_SECRET,
      PASSWORD_SCRYPT_LOG_N: '14',
      SIGN_IN_MAX_FAILURES_PER_EMAIL: '3',
      SIGN_IN_MAX_FAILURES_PER_ADDRESS: '6',
      LOG_LEVEL: 'silent',
      NODE_ENV: 'test',
    }),
    { products: { exists: async () => true } },
  );
  base = `http://127.0.0.1:${(await accounts.server.listen(0, '127.0.0.1')).port}`;
  redis = new Redis(keySpace.url, { lazyConnect: true, enableReadyCheck: false });
  await redis.connect();
});

afterAll(async () => {
  redis?.disconnect();
  await accounts?.stop();
  await db?.drop();
  await keySpace?.drop();
});

describe('signIn', () => {
  it("opens a session under the browser's session id and hands the gateway a token signed by a published key", async () => {
    const userId = await signUp('ada@example.com');
    const viewer = browser();
    const res = await call(SIGN_IN, { input: { email: 'ADA@example.com', password: PASSWORD } }, viewer);
    expect(res.errors).toBeUndefined();
    expect(res.data!['signIn'].user).toEqual({ id: userId, email: 'ada@example.com' });
    const issued = res.grant!.issued!;
    expect(issued.sessionId).toBe(viewer.sessionId);
    expect(issued.secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // the credentials travel only in the header, never in the GraphQL body
    expect(JSON.stringify(res.data)).not.toContain(issued.secret!);

    const jwks = (await (await fetch(`${base}${JWKS_PATH}`)).json()) as JSONWebKeySet;
    expect(jwks.keys[0]).not.toHaveProperty('d');
    const { payload, protectedHeader } = await jwtVerify(issued.accessToken, createLocalJWKSet(jwks), {
      issuer: ACCESS_TOKEN_ISSUER,
      audience: ACCESS_TOKEN_AUDIENCE,
    });
    expect(protectedHeader).toMatchObject({ alg: 'EdDSA', kid: jwks.keys[0]!.kid });
    expect(payload).toMatchObject({ sub: userId, sid: viewer.sessionId, roles: ['customer'] });
    expect(payload.exp! - payload.iat!).toBe(300);

    // stored in accounts' key space: a hash of the secret, never the secret; expiring after the idle timeout
    const stored = await redis.hgetall(sessionKey(viewer.sessionId));
    expect(stored).toMatchObject({ userId });
    // no roles in the session: they are the user's, read from PostgreSQL for every token
    expect(stored).not.toHaveProperty('roles');
    expect(JSON.stringify(stored)).not.toContain(issued.secret!);
    const ttl = await redis.pttl(sessionKey(viewer.sessionId));
    expect(ttl).toBeGreaterThan(7 * 24 * 3600_000 - 60_000);
    expect(ttl).toBeLessThanOrEqual(7 * 24 * 3600_000);
    expect(await redis.smembers(`${keySpace.prefix}user-sessions:${userId}`)).toEqual([viewer.sessionId]);
  });

  it('answers the same UNAUTHENTICATED for a wrong password and an unknown email, and opens no session', async () => {
    await signUp('grace@example.com');
    const keysBefore = (await keySpace.keys()).filter((k) => k.includes(':sess:')).length;
    const wrong = await call(SIGN_IN, { input: { email: 'grace@example.com', password: 'not it at all' } }, browser());
    const unknown = await call(SIGN_IN, { input: { email: 'nobody@example.com', password: PASSWORD } }, browser());
    for (const res of [wrong, unknown]) {
      expect(codes(res)).toEqual(['UNAUTHENTICATED']);
      expect(res.errors![0]!.message).toBe('Email or password is incorrect');
      expect(res.grant).toBeNull();
    }
    expect((await keySpace.keys()).filter((k) => k.includes(':sess:')).length).toBe(keysBefore);
  });

  it('refuses an email after 3 failures, even with the right password, while other emails still sign in', async () => {
    await signUp('target@example.com');
    await signUp('bystander@example.com');
    for (let i = 0; i < 3; i++) {
      const res = await call(SIGN_IN, { input: { email: 'target@example.com', password: `guess ${i}` } }, browser());
      expect(codes(res)).toEqual(['UNAUTHENTICATED']);
    }
    const blocked = await call(SIGN_IN, { input: { email: 'target@example.com', password: PASSWORD } }, browser());
    expect(codes(blocked)).toEqual(['RATE_LIMITED']);
    expect(blocked.errors![0]!.extensions!['retryAfterSeconds']).toBeGreaterThan(800);
    expect(blocked.grant).toBeNull();
    const other = await call(SIGN_IN, { input: { email: 'bystander@example.com', password: PASSWORD } }, browser());
    expect(other.errors).toBeUndefined();
  });

  it('refuses an address after 6 failures across many emails; another address is unaffected', async () => {
    await signUp('spray@example.com');
    const attacker = browser();
    for (let i = 0; i < 6; i++) {
      const res = await call(SIGN_IN, { input: { email: `victim${i}@example.com`, password: 'guess' } }, attacker);
      expect(codes(res)).toEqual(['UNAUTHENTICATED']);
    }
    const blocked = await call(SIGN_IN, { input: { email: 'spray@example.com', password: PASSWORD } }, attacker);
    expect(codes(blocked)).toEqual(['RATE_LIMITED']);
    const elsewhere = await call(SIGN_IN, { input: { email: 'spray@example.com', password: PASSWORD } }, browser());
    expect(elsewhere.errors).toBeUndefined();
  });

  it('a success forgets the email failures', async () => {
    await signUp('forgetful@example.com');
    for (let i = 0; i < 2; i++) {
      await call(SIGN_IN, { input: { email: 'forgetful@example.com', password: 'oops' } }, browser());
    }
    expect(
      (await call(SIGN_IN, { input: { email: 'forgetful@example.com', password: PASSWORD } }, browser())).errors,
    ).toBeUndefined();
    for (let i = 0; i < 2; i++) {
      await call(SIGN_IN, { input: { email: 'forgetful@example.com', password: 'oops' } }, browser());
    }
    expect(
      (await call(SIGN_IN, { input: { email: 'forgetful@example.com', password: PASSWORD } }, browser())).errors,
    ).toBeUndefined();
  });

  it('counts no failure for an attempt PostgreSQL could not answer: SERVICE_UNAVAILABLE, and the right password still works after', async () => {
    await signUp('patient@example.com');
    // the same Redis key space, a PostgreSQL that refuses every connection
    const unreachable = new URL(db.appUrl);
    unreachable.port = '1';
    const cut = await createAccounts(
      loadAccountsConfig({
        ACCOUNTS_DATABASE_URL: unreachable.toString(),
        ACCOUNTS_REDIS_URL: keySpace.url,
        ACCOUNTS_REDIS_PREFIX: keySpace.prefix,
        ACCOUNTS_SIGNING_SECRET: TEST_SIGNING_SECRET,
        SIGN_IN_MAX_FAILURES_PER_EMAIL: '3',
        LOG_LEVEL: 'silent',
        NODE_ENV: 'test',
      }),
      { products: { exists: async () => true } },
    );
    try {
      const cutUrl = `http://127.0.0.1:${(await cut.server.listen(0, '127.0.0.1')).port}/graphql`;
      const viewer = browser();
      for (let i = 0; i < 5; i++) {
        const res = await signedGql(
          cutUrl,
          SIGN_IN,
          { input: { email: 'patient@example.com', password: PASSWORD } },
          viewer,
        );
        expect(codes(res)).toEqual(['SERVICE_UNAVAILABLE']);
      }
    } finally {
      await cut.stop();
    }
    const back = await call(SIGN_IN, { input: { email: 'patient@example.com', password: PASSWORD } }, browser());
    expect(back.errors).toBeUndefined();
  });

  it("never takes over a session id that another user's session holds", async () => {
    await signUp('first@example.com');
    await signUp('second@example.com');
    const viewer = browser();
    const first = await call(SIGN_IN, { input: { email: 'first@example.com', password: PASSWORD } }, viewer);
    // an anonymous caller presenting the same id signs in as someone else: a fresh id, the first session intact
    const second = await call(SIGN_IN, { input: { email: 'second@example.com', password: PASSWORD } }, { ...viewer });
    expect(second.grant!.issued!.sessionId).not.toBe(viewer.sessionId);
    expect(await redis.hget(sessionKey(viewer.sessionId), 'userId')).toBe(first.data!['signIn'].user.id);
  });
});

describe('refresh', () => {
  async function signedIn(email: string) {
    await signUp(email);
    const viewer = browser();
    const res = await call(SIGN_IN, { input: { email, password: PASSWORD } }, viewer);
    return { sessionId: viewer.sessionId, secret: res.grant!.issued!.secret! };
  }

  it('rotates the secret on every refresh, honours the previous one briefly, and ends the session when an older one is replayed', async () => {
    const { sessionId, secret: s0 } = await signedIn('rotate@example.com');
    const first = await refresh(sessionId, s0);
    expect(first.status).toBe(200);
    const s1 = first.grant.issued!.secret!;
    expect(s1).not.toBe(s0);
    // a parallel request of the same browser, still holding s0: a token, and no new secret
    const parallel = await refresh(sessionId, s0);
    expect(parallel.status).toBe(200);
    expect(parallel.grant.issued!.accessToken).toBeTruthy();
    expect(parallel.grant.issued!.secret).toBeUndefined();
    const s2 = (await refresh(sessionId, s1)).grant.issued!.secret!;
    expect(s2).not.toBe(s1);
    // s0 is now two rotations old: a stolen copy being replayed. The session ends for everyone.
    const replay = await refresh(sessionId, s0);
    expect(replay.status).toBe(401);
    expect(replay.grant.revoked).toEqual([{ sessionId, at: expect.any(Number) }]);
    expect(await redis.exists(sessionKey(sessionId))).toBe(0);
    expect((await refresh(sessionId, s2)).status).toBe(401);
  });

  it('refuses an unsigned or wrongly signed refresh and leaves the session as it was', async () => {
    const { sessionId, secret } = await signedIn('unsigned@example.com');
    const before = await redis.hgetall(sessionKey(sessionId));
    const body = JSON.stringify({ sessionId, secret });
    const unsigned = await fetch(`${base}${SESSION_REFRESH_PATH}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    expect(unsigned.status).toBe(401);
    expect((await refresh(sessionId, secret, 'x'.repeat(48))).status).toBe(401);
    expect(await redis.hgetall(sessionKey(sessionId))).toEqual(before);
  });

  it("puts the user's roles as the database holds them in every token: at sign-in and at each refresh", async () => {
    const roles = createRoleService(accounts.db);
    const claims = async (token: string) =>
      (
        await jwtVerify(
          token,
          createLocalJWKSet((await (await fetch(`${base}${JWKS_PATH}`)).json()) as JSONWebKeySet),
          {
            issuer: ACCESS_TOKEN_ISSUER,
            audience: ACCESS_TOKEN_AUDIENCE,
          },
        )
      ).payload;
    await signUp('clerk@example.com');
    await roles.grant({ email: 'clerk@example.com', role: 'staff', actor: 'test' });
    const viewer = browser();
    const signIn = await call(SIGN_IN, { input: { email: 'clerk@example.com', password: PASSWORD } }, viewer);
    expect((await claims(signIn.grant!.issued!.accessToken)).roles).toEqual(['customer', 'staff']);

    await roles.revoke({ email: 'clerk@example.com', role: 'staff', actor: 'test' });
    const afterRevoke = await refresh(viewer.sessionId, signIn.grant!.issued!.secret!);
    expect(afterRevoke.status).toBe(200);
    expect((await claims(afterRevoke.grant.issued!.accessToken)).roles).toEqual(['customer']);
    // the grace path (a parallel request with the previous secret) reads them too
    await roles.grant({ email: 'clerk@example.com', role: 'staff', actor: 'test' });
    const parallel = await refresh(viewer.sessionId, signIn.grant!.issued!.secret!);
    expect((await claims(parallel.grant.issued!.accessToken)).roles).toEqual(['customer', 'staff']);
  });

  it('refuses an unknown session or a wrong secret', async () => {
    const { sessionId } = await signedIn('wrong@example.com');
    expect((await refresh(crypto.randomUUID(), 'A'.repeat(43))).status).toBe(401);
    const wrong = await refresh(sessionId, 'B'.repeat(43));
    expect(wrong.status).toBe(401);
  });
});

describe('signOut and signOutEverywhere', () => {
  it('signOut ends only this session and tells the gateway to revoke it', async () => {
    const userId = await signUp('leaver@example.com');
    const a = browser();
    const b = browser();
    await call(SIGN_IN, { input: { email: 'leaver@example.com', password: PASSWORD } }, a);
    await call(SIGN_IN, { input: { email: 'leaver@example.com', password: PASSWORD } }, b);
    const res = await call('mutation { signOut }', {}, { ...a, userId, roles: ['customer'] });
    expect(res.data).toEqual({ signOut: true });
    expect(res.grant).toMatchObject({ ended: true, revoked: [{ sessionId: a.sessionId, at: expect.any(Number) }] });
    expect(await redis.exists(sessionKey(a.sessionId))).toBe(0);
    expect(await redis.exists(sessionKey(b.sessionId))).toBe(1);
  });

  it('signOutEverywhere ends every session of the user, and nobody else', async () => {
    const userId = await signUp('everywhere@example.com');
    const otherId = await signUp('someone@example.com');
    const devices = [browser(), browser(), browser()];
    for (const d of devices) await call(SIGN_IN, { input: { email: 'everywhere@example.com', password: PASSWORD } }, d);
    const stranger = browser();
    await call(SIGN_IN, { input: { email: 'someone@example.com', password: PASSWORD } }, stranger);
    const res = await call('mutation { signOutEverywhere }', {}, { ...devices[0]!, userId, roles: ['customer'] });
    expect(res.data).toEqual({ signOutEverywhere: 3 });
    expect(res.grant!.revoked!.map((r) => r.sessionId).sort()).toEqual(devices.map((d) => d.sessionId).sort());
    for (const d of devices) expect(await redis.exists(sessionKey(d.sessionId))).toBe(0);
    expect(await redis.hget(sessionKey(stranger.sessionId), 'userId')).toBe(otherId);
  });

  it('signOutEverywhere is UNAUTHENTICATED for an anonymous caller', async () => {
    expect(codes(await call('mutation { signOutEverywhere }', {}, browser()))).toEqual(['UNAUTHENTICATED']);
  });
});
