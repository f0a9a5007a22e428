import { codes, type GraphQLResponse } from '../test-support/graphql';
import { queryAs } from '../test-support/postgres';
import { Browser } from './support/browser';
import { startPolystore, type RunningPolystore } from './support/polystore';

// A burst of sign-ups through the gateway beyond what accounts' password hasher takes (one thread,
// one waiting): the surplus answers 429 with Retry-After and RATE_LIMITED at once, and creates
// nothing; every sign-up told it succeeded exists; a signed-in user's reads all succeed meanwhile.
let polystore: RunningPolystore;

beforeAll(async () => {
  polystore = await startPolystore({ accounts: { PASSWORD_HASH_THREADS: '1', PASSWORD_HASH_MAX_QUEUE: '1' } });
});
afterAll(async () => {
  await polystore?.stop();
});

const PASSWORD = 'a long enough secret';
const SIGN_UP = 'mutation($input: SignUpInput!) { signUp(input: $input) { id email } }';
const SIGN_IN = 'mutation($input: SignInInput!) { signIn(input: $input) { user { id } } }';
const READ = 'query($id: ID!) { me { id } user(id: $id) { id email } }';

const emailsInDb = async (emails: string[]) =>
  (await queryAs(polystore.stores.accountsUrl, 'SELECT email FROM users WHERE email = ANY($1)', [emails])).map(
    (r) => r['email'] as string,
  );

/** `me` and `user` as `reader`, one request after another until `until` settles: answered and failed. */
async function readWhile(reader: Browser, userId: string, until: Promise<unknown>) {
  let done = false;
  void until.finally(() => (done = true));
  const counts = { answered: 0, failed: 0 };
  while (!done) {
    const res = await reader.gql(READ, { id: userId });
    const ok = res.status === 200 && !res.errors && res.data?.['me']?.id === userId && res.data['user']?.id === userId;
    counts[ok ? 'answered' : 'failed']++;
  }
  return counts;
}

describe('a burst of sign-ups beyond the password hasher', () => {
  it('refuses the surplus with 429, Retry-After and RATE_LIMITED, creates nothing for it, and reads keep succeeding', async () => {
    const reader = new Browser(polystore.url);
    const signedUp = await reader.gql(SIGN_UP, {
      input: { email: 'reader@example.com', name: 'Rea', password: PASSWORD },
    });
    const readerId = signedUp.data!['signUp'].id as string;
    expect(
      (await reader.gql(SIGN_IN, { input: { email: 'reader@example.com', password: PASSWORD } })).errors,
    ).toBeUndefined();

    const emails = Array.from({ length: 16 }, (_, i) => `burst-${i}@example.com`);
    const burst = Promise.all(
      emails.map((email) =>
        new Browser(polystore.url).gql(SIGN_UP, { input: { email, name: 'Bo', password: PASSWORD } }),
      ),
    );
    const reads = await readWhile(reader, readerId, burst);
    const responses: (GraphQLResponse<Record<string, any>> & { headers: Headers })[] = await burst;

    const created = responses.filter((r) => r.status === 200 && !r.errors);
    const refused = responses.filter((r) => codes(r).join() === 'RATE_LIMITED');
    expect(created.length + refused.length).toBe(emails.length);
    expect(refused.length).toBeGreaterThan(0);
    expect(created.length).toBeGreaterThan(0);
    for (const res of refused) {
      expect(res.status).toBe(429);
      expect(res.data).toBeNull();
      const seconds = res.errors![0]!.extensions!['retryAfterSeconds'];
      expect(seconds).toBeGreaterThanOrEqual(1);
      expect(res.headers.get('retry-after')).toBe(String(seconds));
    }
    // told "created": exists, under the id it was told; refused: does not exist
    const createdEmails = created.map((r) => r.data!['signUp'].email as string);
    expect((await emailsInDb(createdEmails)).sort()).toEqual([...createdEmails].sort());
    const rows = await queryAs(polystore.stores.accountsUrl, 'SELECT id, email FROM users WHERE email = ANY($1)', [
      createdEmails,
    ]);
    for (const res of created) {
      expect(rows.find((r) => r['email'] === res.data!['signUp'].email)?.['id']).toBe(res.data!['signUp'].id);
    }
    expect(await emailsInDb(emails.filter((e) => !createdEmails.includes(e)))).toEqual([]);

    expect(reads.failed).toBe(0);
    expect(reads.answered).toBeGreaterThan(0);
  });
});
