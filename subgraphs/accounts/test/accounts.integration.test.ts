import { counterValue } from '@polystore/platform';
import { createTestDatabase, queryAs, type TestDatabase } from '../../../test-support/postgres';
import { createTestKeySpace, type TestKeySpace } from '../../../test-support/redis';
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
let keySpace: TestKeySpace;
let accounts: Accounts;
let url: string;

const SIGN_UP = `mutation($input: SignUpInput!) { signUp(input: $input) { id email name createdAt } }`;
const ADD = `mutation($input: WishlistInput!) { addToWishlist(input: $input) { id wishlist { id } } }`;
const REMOVE = `mutation($input: WishlistInput!) { removeFromWishlist(input: $input) { id wishlist { id } } }`;
/** The identity the gateway vouches for once a user has signed in. */
const as = (userId: string) => ({ userId, roles: ['customer'], sessionId: '0190a0b0-0000-4000-8000-000000000001' });

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
  keySpace = await createTestKeySpace('acc', 'ACCOUNTS_REDIS_URL');
  const config = loadAccountsConfig({
    ACCOUNTS_DATABASE_URL: db.appUrl,
    ACCOUNTS_REDIS_URL: keySpace.url,
    ACCOUNTS_REDIS_PREFIX: keySpace.prefix,
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
  await keySpace?.drop();
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
  const USER = `query($id: ID!) { user(id: $id) { email } }`;

  it('returns the viewer themself, null for an unknown id (staff), BAD_USER_INPUT for a malformed one', async () => {
    const user = await signUp('lin@example.com');
    const found = await gql(url, USER, { id: user.id }, as(user.id));
    expect(found.data).toEqual({ user: { email: 'lin@example.com' } });
    const staff = { roles: ['staff'], userId: '0190a0b0-0000-7000-8000-00000000aaaa' };
    const unknown = await gql(url, USER, { id: '0190a0b0-0000-7000-8000-00000000ffff' }, staff);
    expect(unknown.data).toEqual({ user: null });
    const malformed = await gql(url, USER, { id: '42' }, as(user.id));
    expect(codes(malformed)).toEqual(['BAD_USER_INPUT']);
  });

  it('is UNAUTHENTICATED for an anonymous caller and FORBIDDEN for another user', async () => {
    const lin = await signUp('lin2@example.com');
    const other = await signUp('other@example.com');
    expect(codes(await gql(url, USER, { id: lin.id }))).toEqual(['UNAUTHENTICATED']);
    const res = await gql(url, USER, { id: lin.id }, as(other.id));
    expect(codes(res)).toEqual(['FORBIDDEN']);
    expect(res.data).toEqual({ user: null });
  });
});

describe('me', () => {
  it('is the signed-in viewer, and null for an anonymous caller', async () => {
    const user = await signUp('me@example.com');
    expect((await gql(url, '{ me { id email } }', {}, as(user.id))).data).toEqual({
      me: { id: user.id, email: 'me@example.com' },
    });
    expect((await gql(url, '{ me { id } }')).data).toEqual({ me: null });
  });
});

describe('wishlist', () => {
  const [P1, P2] = [...KNOWN_PRODUCTS];

  it("adds products to the viewer's own wishlist newest first, idempotently, and removes them", async () => {
    const user = await signUp('wish@example.com');
    const viewer = as(user.id);
    await gql(url, ADD, { input: { productId: P1 } }, viewer);
    await new Promise((r) => setTimeout(r, 5));
    const second = await gql(url, ADD, { input: { productId: P2 } }, viewer);
    expect(second.data!['addToWishlist']).toEqual({ id: user.id, wishlist: [{ id: P2 }, { id: P1 }] });
    const again = await gql(url, ADD, { input: { productId: P1 } }, viewer);
    expect(again.data!['addToWishlist'].wishlist).toHaveLength(2);
    const removed = await gql(url, REMOVE, { input: { productId: P2 } }, viewer);
    expect(removed.data!['removeFromWishlist'].wishlist).toEqual([{ id: P1 }]);
  });

  it('answers UNAUTHENTICATED when anonymous, NOT_FOUND for an unknown user or product, BAD_USER_INPUT for a malformed id, writing nothing', async () => {
    const user = await signUp('careful@example.com');
    const before = await wishlistCount();
    const cases: [Record<string, string>, ReturnType<typeof as> | undefined, string][] = [
      [{ productId: P1! }, undefined, 'UNAUTHENTICATED'],
      [{ productId: P1! }, as('0190a0b0-0000-7000-8000-00000000ffff'), 'NOT_FOUND'],
      [{ productId: '0190a0b0-0000-7000-8000-00000000eeee' }, as(user.id), 'NOT_FOUND'],
      [{ productId: 'drop table users' }, as(user.id), 'BAD_USER_INPUT'],
    ];
    for (const [input, viewer, code] of cases) expect(codes(await gql(url, ADD, { input }, viewer))).toEqual([code]);
    expect(codes(await gql(url, REMOVE, { input: { productId: P1 } }))).toEqual(['UNAUTHENTICATED']);
    expect(await wishlistCount()).toBe(before);
  });

  it('ignores a userId in the input: the schema has none, so another user cannot be targeted', async () => {
    const victim = await signUp('victim@example.com');
    const attacker = await signUp('attacker@example.com');
    const res = await gql(url, ADD, { input: { userId: victim.id, productId: P1 } }, as(attacker.id));
    expect(codes(res)).toEqual(['BAD_USER_INPUT']);
    expect(
      Number(
        (await queryAs(db.appUrl, 'SELECT count(*) AS n FROM wishlist_items WHERE user_id = $1', [victim.id]))[0]!['n'],
      ),
    ).toBe(0);
  });

  it('resolves the wishlists of many users with one query (DataLoader)', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const user = await signUp(`batch${i}@example.com`);
      await gql(url, ADD, { input: { productId: P1 } }, as(user.id));
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
