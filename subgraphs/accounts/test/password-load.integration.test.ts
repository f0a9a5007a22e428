import { counterValue, type Identity } from '@polystore/platform';
import { codes, signedGql, type GraphQLResponse } from '../../../test-support/graphql';
import { createTestDatabase, queryAs, type TestDatabase } from '../../../test-support/postgres';
import { createTestKeySpace, type TestKeySpace } from '../../../test-support/redis';
import { TEST_SIGNING_SECRET } from '../../../test-support/graphql';
import { createAccounts, type Accounts } from '../src/app';
import { loadAccountsConfig } from '../src/config';

// Sign-ups and sign-ins beyond what the password hasher takes (one thread, one waiting), against
// the real PostgreSQL and Redis: the surplus is refused at once with RATE_LIMITED and changes
// nothing, the rest is done and said so, and reads keep being answered meanwhile.
let db: TestDatabase;
let keySpace: TestKeySpace;
let accounts: Accounts;
let url: string;

const PASSWORD = 'correct horse battery';
const SIGN_UP = `mutation($input: SignUpInput!) { signUp(input: $input) { id email } }`;
const SIGN_IN = `mutation($input: SignInInput!) { signIn(input: $input) { user { id } } }`;
let nextAddress = 1;
/** A caller from an address of its own, as the gateway signs it into the identity. */
const client = (): Identity => ({
  roles: [],
  sessionId: crypto.randomUUID(),
  clientAddress: `10.1.0.${nextAddress++}`,
});
const as = (userId: string): Identity => ({ userId, roles: ['customer'], sessionId: crypto.randomUUID() });

const call = (query: string, variables: Record<string, unknown>, identity: Identity) =>
  signedGql(url, query, variables, identity);
const emailsInDb = async (emails: string[]) =>
  (await queryAs(db.appUrl, 'SELECT email FROM users WHERE email = ANY($1)', [emails])).map((r) => r['email']);
const userCount = async () => Number((await queryAs(db.appUrl, 'SELECT count(*) AS n FROM users'))[0]!['n']);

async function signUp(email: string, identity: Identity = client()) {
  return call(SIGN_UP, { input: { email, name: 'Load Tester', password: PASSWORD } }, identity);
}

/**
 * Reads (`me` and `user`) as a signed-in user, one after another until `until` settles: how many
 * were answered and how many were not (an error or a wrong answer).
 */
async function readWhile(userId: string, until: Promise<unknown>) {
  let done = false;
  void until.finally(() => (done = true));
  const counts = { answered: 0, failed: 0 };
  while (!done) {
    const [me, user] = await Promise.all([
      call('{ me { id } }', {}, as(userId)),
      call('query($id: ID!) { user(id: $id) { id email } }', { id: userId }, as(userId)),
    ]);
    for (const res of [me, user] as GraphQLResponse<Record<string, { id: string } | null>>[]) {
      const data = res.data ? Object.values(res.data)[0] : undefined;
      if (res.errors || data?.id !== userId) counts.failed++;
      else counts.answered++;
    }
  }
  return counts;
}

/** Every response of a burst is either done (and said so) or refused with RATE_LIMITED and a wait. */
function split(responses: GraphQLResponse<Record<string, any>>[]) {
  const done = responses.filter((r) => !r.errors && r.data);
  const refused = responses.filter((r) => codes(r).join() === 'RATE_LIMITED');
  expect(done.length + refused.length).toBe(responses.length);
  for (const res of refused) {
    expect(res.data).toBeNull();
    expect(res.errors![0]!.message).toMatch(/^Too many passwords are being checked at once; try again in \d+ s$/);
    expect(res.errors![0]!.extensions!['retryAfterSeconds']).toBeGreaterThanOrEqual(1);
  }
  return { done, refused };
}

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
      PASSWORD_HASH_THREADS: '1',
      PASSWORD_HASH_MAX_QUEUE: '1',
      SIGN_IN_MAX_FAILURES_PER_EMAIL: '3',
      SIGN_UP_MAX_PER_ADDRESS: '3',
      LOG_LEVEL: 'silent',
      NODE_ENV: 'test',
    }),
    { products: { exists: async () => true } },
  );
  url = `http://127.0.0.1:${(await accounts.server.listen(0, '127.0.0.1')).port}/graphql`;
});

afterAll(async () => {
  await accounts?.stop();
  await db?.drop();
  await keySpace?.drop();
});

describe('a burst of sign-ups beyond the password hasher', () => {
  it('refuses the surplus at once with RATE_LIMITED, creating nothing for it, while reads keep being answered', async () => {
    const reader = (await signUp('reader@example.com')).data!['signUp'].id as string;
    const before = await userCount();
    const emails = Array.from({ length: 16 }, (_, i) => `burst-${i}@example.com`);
    const burst = Promise.all(emails.map((email) => signUp(email)));
    const reads = await readWhile(reader, burst);
    const responses = await burst;

    const { done, refused } = split(responses);
    expect(refused.length).toBeGreaterThan(0);
    expect(done.length).toBeGreaterThan(0);
    // each sign-up told "created" exists with the id it was told; each refused one does not exist
    const created = done.map((r) => r.data!['signUp'] as { id: string; email: string });
    const refusedEmails = emails.filter((e) => !created.some((c) => c.email === e));
    expect(refusedEmails).toHaveLength(refused.length);
    expect(await emailsInDb(refusedEmails)).toEqual([]);
    expect((await emailsInDb(created.map((c) => c.email))).sort()).toEqual(created.map((c) => c.email).sort());
    expect(await userCount()).toBe(before + done.length);
    expect(
      await counterValue(accounts.metrics.registry, 'password_hash_refused_total', { operation: 'hash' }),
    ).toBeGreaterThanOrEqual(refused.length);

    expect(reads.failed).toBe(0);
    expect(reads.answered).toBeGreaterThan(0);
  });

  it('does not count a refused sign-up against its address: it still has its 3 sign-ups', async () => {
    const identities = Array.from({ length: 16 }, client);
    const responses = await Promise.all(identities.map((id, i) => signUp(`refund-${i}@example.com`, id)));
    const refusedAt = identities.filter((_, i) => codes(responses[i]!).join() === 'RATE_LIMITED');
    expect(refusedAt.length).toBeGreaterThan(0);
    const address = refusedAt[0]!;
    for (let i = 0; i < 3; i++) {
      const res = await signUp(`refund-again-${i}@example.com`, address);
      expect(res.errors).toBeUndefined();
    }
  });
});

describe('a burst of sign-ins beyond the password hasher', () => {
  it('refuses the surplus with RATE_LIMITED, opens no session for it, and does not count it as a failure', async () => {
    const emails = Array.from({ length: 12 }, (_, i) => `member-${i}@example.com`);
    for (const email of emails) expect((await signUp(email)).errors).toBeUndefined();
    const responses = await Promise.all(
      emails.map((email) => call(SIGN_IN, { input: { email, password: PASSWORD } }, client())),
    );
    const { done, refused } = split(responses);
    expect(refused.length).toBeGreaterThan(0);
    expect(done.length).toBeGreaterThan(0);
    const sessions = (await keySpace.keys()).filter((k) => k.includes(':sess:'));
    expect(sessions).toHaveLength(done.length);

    // A refused sign-in was never checked: its email still has all 3 failures of its budget.
    const refusedEmail = emails[responses.findIndex((r) => codes(r).join() === 'RATE_LIMITED')]!;
    for (let i = 0; i < 3; i++) {
      const wrong = await call(SIGN_IN, { input: { email: refusedEmail, password: `guess ${i}` } }, client());
      expect(codes(wrong)).toEqual(['UNAUTHENTICATED']);
    }
    const blocked = await call(SIGN_IN, { input: { email: refusedEmail, password: PASSWORD } }, client());
    expect(codes(blocked)).toEqual(['RATE_LIMITED']); // the throttle's own refusal, after 3 failures
    expect(blocked.errors![0]!.message).toMatch(/^Too many failed sign-ins/);
  });
});

describe('sign-ins of existing users during a flood of sign-ups beyond the password hasher', () => {
  it('are all taken and answered, while the sign-ups beyond their share are refused and not created', async () => {
    const members = Array.from({ length: 3 }, (_, i) => `regular-${i}@example.com`);
    for (const email of members) expect((await signUp(email)).errors).toBeUndefined();

    // Eight strangers, each sending a new sign-up (from a new address) as soon as its last one is
    // answered, until the members are done: more sign-ups than the hasher takes, all the while.
    let flooding = true;
    const flood: GraphQLResponse<Record<string, any>>[] = [];
    const emails: string[] = [];
    const strangers = Array.from({ length: 8 }, async (_, s) => {
      for (let i = 0; flooding; i++) {
        emails.push(`flood-${s}-${i}@example.com`);
        flood.push(await signUp(emails.at(-1)!));
      }
    });
    while (!flood.some((r) => codes(r).join() === 'RATE_LIMITED')) await new Promise((r) => setTimeout(r, 5));
    const refusedBefore = flood.filter((r) => codes(r).join() === 'RATE_LIMITED').length;

    // The members sign in one after another, four times each, while the flood goes on.
    const signIns: GraphQLResponse<Record<string, any>>[] = [];
    for (let round = 0; round < 4; round++) {
      for (const email of members)
        signIns.push(await call(SIGN_IN, { input: { email, password: PASSWORD } }, client()));
    }
    const refusedDuring = flood.filter((r) => codes(r).join() === 'RATE_LIMITED').length - refusedBefore;
    flooding = false;
    await Promise.all(strangers);

    expect(signIns.filter((r) => !r.errors && r.data?.['signIn']?.user?.id)).toHaveLength(12);
    expect(refusedDuring).toBeGreaterThan(0); // the flood was beyond the bound while they signed in
    const { done } = split(flood);
    const created = done.map((r) => r.data!['signUp'].email as string);
    expect((await emailsInDb(emails)).sort()).toEqual(created.sort());
  });
});

describe('the sign-up throttle', () => {
  it('refuses an address its 4th sign-up within the window, creating nothing; another address is unaffected', async () => {
    const address = client();
    for (let i = 0; i < 3; i++) expect((await signUp(`many-${i}@example.com`, address)).errors).toBeUndefined();
    const fourth = await signUp('many-3@example.com', address);
    expect(codes(fourth)).toEqual(['RATE_LIMITED']);
    expect(fourth.errors![0]!.message).toMatch(/^Too many sign-ups from this address; try again in \d+ s$/);
    expect(fourth.errors![0]!.extensions!['retryAfterSeconds']).toBeGreaterThan(3500);
    expect(await emailsInDb(['many-3@example.com'])).toEqual([]);
    expect((await signUp('many-3@example.com', client())).errors).toBeUndefined();
  });
});
