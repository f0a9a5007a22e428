import { Redis } from 'ioredis';
import { codes } from '../test-support/graphql';
import { Browser } from './support/browser';
import { startPolystore, type RunningPolystore } from './support/polystore';

// Sessions through the gateway: accounts owns them and signs access tokens; the gateway verifies
// the tokens, keeps them in HttpOnly cookies, and refuses revoked sessions at once.
let polystore: RunningPolystore;
let gwRedis: Redis;

beforeAll(async () => {
  polystore = await startPolystore({ accounts: { SIGN_IN_MAX_FAILURES_PER_EMAIL: '3' } });
  gwRedis = new Redis(polystore.keySpaces.gateway.url, { lazyConnect: true, enableReadyCheck: false });
  await gwRedis.connect();
});
afterAll(async () => {
  gwRedis?.disconnect();
  await polystore?.stop();
});

const PASSWORD = 'a long enough secret';
const ME = '{ me { id email } }';
const SIGN_IN = 'mutation($input: SignInInput!) { signIn(input: $input) { user { id email } sessionExpiresAt } }';

async function newUser(email: string): Promise<string> {
  const res = await new Browser(polystore.url).gql('mutation($i: SignUpInput!) { signUp(input: $i) { id } }', {
    i: { email, name: 'Sam', password: PASSWORD },
  });
  expect(res.errors).toBeUndefined();
  return res.data!['signUp'].id;
}

async function signedIn(email: string): Promise<Browser> {
  const browser = new Browser(polystore.url);
  const res = await browser.gql(SIGN_IN, { input: { email, password: PASSWORD } });
  expect(res.errors).toBeUndefined();
  return browser;
}

/** Copy a browser's cookies into another client: what a thief holding them would send. */
function copyOf(browser: Browser): Browser {
  const thief = new Browser(polystore.url);
  for (const [k, v] of browser.cookies) thief.cookies.set(k, v);
  return thief;
}

describe('an anonymous browser', () => {
  it('gets a session id in an HttpOnly, SameSite cookie, keeps it, and has no `me`', async () => {
    const browser = new Browser(polystore.url);
    const first = await browser.gql(ME);
    expect(first.data).toEqual({ me: null });
    const [cookie] = browser.lastSetCookie;
    expect(cookie).toMatch(/^ps_session=[0-9a-f-]{36}; Max-Age=2592000; Path=\/; Expires=.+; HttpOnly; SameSite=Lax$/);
    const id = browser.sessionId;
    await browser.gql(ME);
    expect(browser.lastSetCookie).toEqual([]);
    expect(browser.sessionId).toBe(id);
  });

  it('gets a fresh id when its cookie holds something else than a session id', async () => {
    const browser = new Browser(polystore.url);
    browser.cookies.set('ps_session', 'not-a-session');
    await browser.gql(ME);
    expect(browser.sessionId).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('signIn through the gateway', () => {
  it("sets HttpOnly cookies, keeps the browser's session id, and never shows a token to the page", async () => {
    const userId = await newUser('ada@example.com');
    const browser = new Browser(polystore.url);
    await browser.gql(ME);
    const anonymousId = browser.sessionId;
    const res = await browser.gql(SIGN_IN, { input: { email: 'ada@example.com', password: PASSWORD } });
    expect(res.errors).toBeUndefined();
    expect(res.data!['signIn'].user).toEqual({ id: userId, email: 'ada@example.com' });
    const setCookies = browser.lastSetCookie;
    expect(setCookies).toHaveLength(2);
    for (const line of setCookies) expect(line).toMatch(/; HttpOnly; SameSite=Lax$/);
    expect(browser.sessionId).toBe(anonymousId);
    const access = browser.cookies.get('ps_access')!;
    expect(access.split('.')).toHaveLength(3);
    expect(JSON.stringify(res.data)).not.toContain(access);
    expect(res.headers.get('x-polystore-session-grant')).toBeNull();

    expect((await browser.gql(ME)).data).toEqual({ me: { id: userId, email: 'ada@example.com' } });
  });

  it('refreshes an expired access token from the session, rotating the refresh secret', async () => {
    const userId = await newUser('refresh@example.com');
    const browser = await signedIn('refresh@example.com');
    const sessionBefore = browser.cookies.get('ps_session')!;
    browser.cookies.delete('ps_access'); // as the browser does once the token's Max-Age passes
    const res = await browser.gql(ME);
    expect(res.data).toEqual({ me: { id: userId, email: 'refresh@example.com' } });
    expect(browser.cookies.get('ps_access')).toBeTruthy();
    const sessionAfter = browser.cookies.get('ps_session')!;
    expect(sessionAfter.split('.')[0]).toBe(sessionBefore.split('.')[0]);
    expect(sessionAfter).not.toBe(sessionBefore);
  });

  it('answers UNAUTHENTICATED for a wrong password and sets no session cookie', async () => {
    await newUser('wrong@example.com');
    const browser = new Browser(polystore.url);
    await browser.gql(ME);
    const res = await browser.gql(SIGN_IN, { input: { email: 'wrong@example.com', password: 'not the password' } });
    expect(codes(res)).toEqual(['UNAUTHENTICATED']);
    expect(browser.lastSetCookie).toEqual([]);
    expect(browser.cookies.has('ps_access')).toBe(false);
  });

  it('throttles brute force on one email: RATE_LIMITED after 3 failures, the right password included', async () => {
    await newUser('brute@example.com');
    const attacker = new Browser(polystore.url);
    for (let i = 0; i < 3; i++) {
      expect(
        codes(await attacker.gql(SIGN_IN, { input: { email: 'brute@example.com', password: `guess-${i}` } })),
      ).toEqual(['UNAUTHENTICATED']);
    }
    const blocked = await attacker.gql(SIGN_IN, { input: { email: 'brute@example.com', password: PASSWORD } });
    expect(codes(blocked)).toEqual(['RATE_LIMITED']);
    const retryAfterSeconds = blocked.errors![0]!.extensions!['retryAfterSeconds'];
    expect(retryAfterSeconds).toBeGreaterThan(0);
    // said in HTTP too, as the gateway's own rate limit says it
    expect(blocked.status).toBe(429);
    expect(blocked.headers.get('retry-after')).toBe(String(retryAfterSeconds));
    expect(attacker.cookies.has('ps_access')).toBe(false);
  });
});

describe('identity', () => {
  it('ignores an identity header sent by the client: `me` is only ever the session user', async () => {
    const victimId = await newUser('victim@example.com');
    const attackerId = await newUser('attacker@example.com');
    const forged = Buffer.from(JSON.stringify({ userId: victimId, roles: ['staff'] })).toString('base64url');
    const headers = { 'x-polystore-identity': forged, 'x-polystore-signature': 'v1=' + '0'.repeat(64) };

    const anonymous = new Browser(polystore.url, headers);
    expect((await anonymous.gql(ME)).data).toEqual({ me: null });
    const attacker = await signedIn('attacker@example.com');
    const res = await attacker.gql(ME, {}, headers);
    expect(res.data).toEqual({ me: { id: attackerId, email: 'attacker@example.com' } });
    // and the victim's account stays out of reach by id
    const byId = await attacker.gql('query($id: ID!) { user(id: $id) { email } }', { id: victimId }, headers);
    expect(codes(byId)).toEqual(['FORBIDDEN']);
  });

  it('refuses a token altered or signed by anyone but accounts', async () => {
    await newUser('tamper@example.com');
    const browser = await signedIn('tamper@example.com');
    const [header, payload, signature] = browser.cookies.get('ps_access')!.split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString());
    const altered = Buffer.from(JSON.stringify({ ...claims, roles: ['staff'] })).toString('base64url');
    const forger = new Browser(polystore.url);
    forger.cookies.set('ps_session', browser.sessionId!);
    forger.cookies.set('ps_access', `${header}.${altered}.${signature}`);
    expect((await forger.gql(ME)).data).toEqual({ me: null });
  });
});

describe('signing out', () => {
  it('clears the cookies, starts a fresh anonymous session, and the old token stops working at once', async () => {
    await newUser('leaver@example.com');
    const browser = await signedIn('leaver@example.com');
    const oldSession = browser.sessionId!;
    const stolen = copyOf(browser);
    stolen.cookies.delete('ps_session'); // the thief has the access token only: no refresh possible
    stolen.cookies.set('ps_session', oldSession);
    expect((await stolen.gql(ME)).data!['me']).not.toBeNull();

    const res = await browser.gql('mutation { signOut }');
    expect(res.data).toEqual({ signOut: true });
    expect(browser.cookies.has('ps_access')).toBe(false);
    expect(browser.sessionId).not.toBe(oldSession);
    expect((await browser.gql(ME)).data).toEqual({ me: null });
    // the access token is still within its 5 minutes, but the gateway has the revocation
    expect((await stolen.gql(ME)).data).toEqual({ me: null });
    const key = `${polystore.keySpaces.gateway.prefix}rev:${oldSession}`;
    expect(Number(await gwRedis.get(key))).toBeGreaterThan(Date.now() - 60_000);
    expect(await gwRedis.pttl(key)).toBeGreaterThan(15 * 60_000);
  });

  it('signOutEverywhere ends the other devices too, at once, with their refresh secrets', async () => {
    const userId = await newUser('everywhere@example.com');
    const laptop = await signedIn('everywhere@example.com');
    const phone = await signedIn('everywhere@example.com');
    expect((await phone.gql(ME)).data).toEqual({ me: { id: userId, email: 'everywhere@example.com' } });
    const res = await laptop.gql('mutation { signOutEverywhere }');
    expect(res.data).toEqual({ signOutEverywhere: 2 });
    const started = Date.now();
    // the phone holds a valid-looking token and a refresh secret: both are refused
    expect((await phone.gql(ME)).data).toEqual({ me: null });
    expect(Date.now() - started).toBeLessThan(2000);
    expect(phone.cookies.has('ps_access')).toBe(false);
    expect((await phone.gql(ME)).data).toEqual({ me: null });
  });

  it('a replayed refresh secret ends the session for the thief and the owner', async () => {
    await newUser('replay@example.com');
    const owner = await signedIn('replay@example.com');
    const thief = copyOf(owner);
    thief.cookies.delete('ps_access');
    owner.cookies.delete('ps_access');
    await owner.gql(ME); // rotates the secret: the thief's copy is now the previous one
    owner.cookies.delete('ps_access');
    await owner.gql(ME); // and again: the thief's copy is two rotations old
    expect((await thief.gql(ME)).data).toEqual({ me: null });
    owner.cookies.delete('ps_access');
    expect((await owner.gql(ME)).data).toEqual({ me: null });
  });
});
