import { counterValue } from '@polystore/platform';
import { createTestDatabase, queryAs, type TestDatabase } from '../../../test-support/postgres';
import { codes, signedGql as gql, TEST_SIGNING_SECRET } from '../../../test-support/graphql';
import { createAccounts, type Accounts } from '../src/app';
import { loadAccountsConfig } from '../src/config';
import { verifyPassword } from '../src/user/password';
import type { ProductDirectory } from '../src/wishlist/product-directory';

// Against the real PostgreSQL of the stack, as the service's own least-privilege role. The
// product directory (a call through the gateway) is the one fake: the catalog is not under test.
const KNOWN_PRODUCTS = new Set(['0190a0b0-0000-7000-8000-000000000001', '0190a0b0-0000-7000-8000-000000000002']);
const products: ProductDirectory = { exists: async (id) => KNOWN_PRODUCTS.has(id) };

let db: TestDatabase;
let accounts: Accounts;
let url: string;

const SIGN_UP = `mutation($input: SignUpInput!) { signUp(input: $input) { id email name createdAt } }`;
const ADD = `mutation($input: WishlistInput!) { addToWishlist(input: $input) { id wishlist { id } } }`;
const REMOVE = `mutation($input: WishlistInput!) { removeFromWishlist(input: $input) { id wishlist { id } } }`;

const userCount = async () => Number((await queryAs(db.appUrl, 'SELECT count(*) AS n FROM users'))[0]!['n']);
const wishlistCount = async () =>
  Number((await queryAs(db.appUrl, 'SELECT count(*) AS n FROM wishlist_items'))[0]!['n']);

async function signUp(email: string) {
  const res = await gql(url, SIGN_UP, { input: { email, name: 'Ada Lovelace', password: 'correct horse battery' } });
  expect(res.errors).toBeUndefined();
  return res.data!['signUp'] as { id: string; email: string };
}

beforeAll(async () => {
  db = await createTestDatabase('accounts');
  const config = loadAccountsConfig({
    ACCOUNTS_DATABASE_URL: db.appUrl,
    PASSWORD_SCRYPT_LOG_N: '14',
    ACCOUNTS_SIGNING_SECRET: TEST_SIGNING_SECRET,
    LOG_LEVEL: 'silent',
    NODE_ENV: 'test',
  });
  accounts = await createAccounts(config, { products });
  url = `http://127.0.0.1:${(await accounts.server.listen(0, '127.0.0.1')).port}/graphql`;
});

afterAll(async () => {
  await accounts?.stop();
  await db?.drop();
});

describe('signUp', () => {
  it('creates a user with a lower-cased email and a scrypt hash, never the password', async () => {
    const user = await signUp('Ada@Example.COM');
    expect(user.email).toBe('ada@example.com');
    const [row] = await queryAs(db.appUrl, 'SELECT password_hash FROM users WHERE id = $1', [user.id]);
    expect(row!['password_hash']).toMatch(/^scrypt\$14\$8\$1\$/);
    expect(row!['password_hash']).not.toContain('correct horse');
    expect(await verifyPassword('correct horse battery', row!['password_hash'])).toBe(true);
    expect(await verifyPassword('wrong password!', row!['password_hash'])).toBe(false);
  });

  it('answers CONFLICT for an email already taken, whatever its case, and writes nothing', async () => {
    await signUp('grace@example.com');
    const before = await userCount();
    const res = await gql(url, SIGN_UP, {
      input: { email: 'GRACE@example.com', name: 'Other', password: 'another password' },
    });
    expect(codes(res)).toEqual(['CONFLICT']);
    expect(await userCount()).toBe(before);
  });

  it.each([
    ['an invalid email', { email: 'not-an-email' }, 'input.email'],
    ['an oversized email', { email: `${'a'.repeat(250)}@example.com` }, 'input.email'],
    ['an empty name', { name: '  ' }, 'input.name'],
    ['a short password', { password: 'short' }, 'input.password'],
    ['an oversized password', { password: 'p'.repeat(129) }, 'input.password'],
  ])('rejects %s with BAD_USER_INPUT naming the field, and writes nothing', async (_what, override, field) => {
    const before = await userCount();
    const res = await gql(url, SIGN_UP, {
      input: { email: 'valid@example.com', name: 'Valid', password: 'long enough password', ...override },
    });
    expect(codes(res)).toEqual(['BAD_USER_INPUT']);
    expect((res.errors![0]!.extensions!['fields'] as { field: string }[]).map((f) => f.field)).toContain(field);
    expect(await userCount()).toBe(before);
  });

  it('rejects a missing field before any resolver runs', async () => {
    const before = await userCount();
    const res = await gql(url, SIGN_UP, { input: { email: 'x@example.com', name: 'X' } });
    expect(codes(res)).toEqual(['BAD_USER_INPUT']);
    expect(await userCount()).toBe(before);
  });
});

describe('user', () => {
  it('returns a user by id, null for an unknown id, BAD_USER_INPUT for a malformed one', async () => {
    const user = await signUp('lin@example.com');
    const found = await gql(url, `query($id: ID!) { user(id: $id) { email } }`, { id: user.id });
    expect(found.data).toEqual({ user: { email: 'lin@example.com' } });
    const unknown = await gql(url, `query($id: ID!) { user(id: $id) { email } }`, {
      id: '0190a0b0-0000-7000-8000-00000000ffff',
    });
    expect(unknown.data).toEqual({ user: null });
    const malformed = await gql(url, `query($id: ID!) { user(id: $id) { email } }`, { id: '42' });
    expect(codes(malformed)).toEqual(['BAD_USER_INPUT']);
  });
});

describe('wishlist', () => {
  const [P1, P2] = [...KNOWN_PRODUCTS];

  it('adds products newest first, idempotently, and removes them', async () => {
    const user = await signUp('wish@example.com');
    await gql(url, ADD, { input: { userId: user.id, productId: P1 } });
    await new Promise((r) => setTimeout(r, 5));
    const second = await gql(url, ADD, { input: { userId: user.id, productId: P2 } });
    expect(second.data!['addToWishlist'].wishlist).toEqual([{ id: P2 }, { id: P1 }]);
    const again = await gql(url, ADD, { input: { userId: user.id, productId: P1 } });
    expect(again.data!['addToWishlist'].wishlist).toHaveLength(2);
    const removed = await gql(url, REMOVE, { input: { userId: user.id, productId: P2 } });
    expect(removed.data!['removeFromWishlist'].wishlist).toEqual([{ id: P1 }]);
  });

  it('answers NOT_FOUND for an unknown user or product and BAD_USER_INPUT for malformed ids, writing nothing', async () => {
    const user = await signUp('careful@example.com');
    const before = await wishlistCount();
    const cases: [Record<string, string>, string][] = [
      [{ userId: '0190a0b0-0000-7000-8000-00000000ffff', productId: P1! }, 'NOT_FOUND'],
      [{ userId: user.id, productId: '0190a0b0-0000-7000-8000-00000000eeee' }, 'NOT_FOUND'],
      [{ userId: 'nope', productId: P1! }, 'BAD_USER_INPUT'],
      [{ userId: user.id, productId: 'drop table users' }, 'BAD_USER_INPUT'],
    ];
    for (const [input, code] of cases) expect(codes(await gql(url, ADD, { input }))).toEqual([code]);
    expect(await wishlistCount()).toBe(before);
  });

  it('resolves the wishlists of many users with one query (DataLoader)', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const user = await signUp(`batch${i}@example.com`);
      await gql(url, ADD, { input: { userId: user.id, productId: P1 } });
      ids.push(user.id);
    }
    const selects = () =>
      counterValue(accounts.metrics.registry, 'store_commands_total', { store: 'postgres', operation: 'SELECT' });
    const before = await selects();
    const res: any = await gql(
      url,
      `query($r: [_Any!]!) { _entities(representations: $r) { ... on User { id wishlist { id } } } }`,
      {
        r: ids.map((id) => ({ __typename: 'User', id })),
      },
    );
    expect(res.errors).toBeUndefined();
    expect(res.data._entities.map((u: any) => u.wishlist)).toEqual(ids.map(() => [{ id: P1 }]));
    // one SELECT for the users, one for all their wishlists
    expect((await selects()) - before).toBe(2);
  });
});

describe('least privilege', () => {
  it('the runtime role can change rows but not the schema', async () => {
    await expect(queryAs(db.appUrl, 'CREATE TABLE intruder (id int)')).rejects.toMatchObject({ code: '42501' });
    await expect(queryAs(db.appUrl, 'DROP TABLE users')).rejects.toMatchObject({ code: '42501' });
  });
});
