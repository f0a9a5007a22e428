import { readFileSync } from 'node:fs';
import path from 'node:path';
import { loadPersistedOperations, sha256 } from '../gateway/src/plugins/persisted-operations';
import { codes, gql } from '../test-support/graphql';
import { Browser } from './support/browser';
import { operationsServed, startPolystore, type RunningPolystore } from './support/polystore';

// schema/operations/ is the safelist. Production requires it; development caches automatic
// persisted queries in the gateway's Redis.
const safelist = [...loadPersistedOperations(path.join(__dirname, '..', 'schema', 'operations')).values()];
const byName = (name: string) => safelist.find((o) => o.name === name)!;

const persisted = (hash: string, variables: Record<string, unknown> = {}, query?: string) => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ query, variables, extensions: { persistedQuery: { version: 1, sha256Hash: hash } } }),
});

describe('with PERSISTED_OPERATIONS=require (production)', () => {
  let polystore: RunningPolystore;
  beforeAll(async () => {
    polystore = await startPolystore({ gateway: { NODE_ENV: 'production', COOKIE_SECURE: 'true' } });
  });
  afterAll(async () => {
    await polystore?.stop();
  });

  it('refuses an operation that is not on the list with PERSISTED_QUERY_NOT_IN_LIST, asking no subgraph', async () => {
    const before =
      (await operationsServed(polystore.accounts.metrics)) + (await operationsServed(polystore.catalog.metrics));
    const adHoc = await gql(polystore.url, '{ categories { slug name } }');
    const unknownHash = await fetch(polystore.url, persisted('0'.repeat(64)));
    expect(adHoc.status).toBe(400);
    expect(codes(adHoc)).toEqual(['PERSISTED_QUERY_NOT_IN_LIST']);
    expect(unknownHash.status).toBe(400);
    expect(codes({ status: 400, ...((await unknownHash.json()) as object) })).toEqual(['PERSISTED_QUERY_NOT_IN_LIST']);
    const after =
      (await operationsServed(polystore.accounts.metrics)) + (await operationsServed(polystore.catalog.metrics));
    expect(after - before).toBe(0);
  });

  it('runs a listed operation by its hash alone (POST, or GET with a preflight header)', async () => {
    const categories = byName('Categories');
    const post = await fetch(polystore.url, persisted(categories.hash));
    expect(post.status).toBe(200);
    expect(await post.json()).toEqual({ data: { categories: [] } });
    const extensions = encodeURIComponent(
      JSON.stringify({ persistedQuery: { version: 1, sha256Hash: categories.hash } }),
    );
    const get = await fetch(`${polystore.url}?extensions=${extensions}`, {
      headers: { 'apollo-require-preflight': 'true' },
    });
    expect(get.status).toBe(200);
  });

  it('runs a listed operation sent as text, however it is formatted', async () => {
    const text =
      '  query ProductPage($id: ID!) { product(id: $id) { ...ProductCard sku description status attributes { name value } } }\nfragment ProductCard on Product { id name price { amount currency } stock category { slug name } }';
    const res = await gql(polystore.url, text, { id: '0190a0b0-0000-7000-8000-000000000001' });
    expect(res.errors).toBeUndefined();
    expect(res.data).toEqual({ product: null });
  });

  it('refuses a listed hash sent with some other text', async () => {
    const res = await fetch(
      polystore.url,
      persisted(byName('Categories').hash, {}, '{ categories { slug name description } __typename }'),
    );
    expect(res.status).toBe(400);
  });

  it("lets the services' own listed operations through: accounts checks a product while saving a wishlist", async () => {
    const browser = new Browser(polystore.url);
    const signUp = byName('SignUp');
    const signIn = byName('SignIn');
    expect(
      (
        await browser.gql(signUp.body, {
          input: { email: 'pq@example.com', name: 'P', password: 'a long enough secret' },
        })
      ).errors,
    ).toBeUndefined();
    expect(
      (await browser.gql(signIn.body, { input: { email: 'pq@example.com', password: 'a long enough secret' } })).errors,
    ).toBeUndefined();
    // unknown product: accounts asked the catalog through the gateway (AccountsProductExists) and was answered
    const add = await browser.gql(byName('AddToWishlist').body, { productId: '0190a0b0-0000-7000-8000-00000000abcd' });
    expect(codes(add)).toEqual(['NOT_FOUND']);
  });
});

describe('with PERSISTED_OPERATIONS=apq (development)', () => {
  let polystore: RunningPolystore;
  beforeAll(async () => {
    polystore = await startPolystore();
  });
  afterAll(async () => {
    await polystore?.stop();
  });

  it('registers an automatic persisted query in Redis and answers it by hash afterwards', async () => {
    const query = '{ categories { slug } }';
    const hash = sha256(query);
    const unknown = await fetch(polystore.url, persisted(hash));
    expect(codes({ status: 200, ...((await unknown.json()) as object) })).toEqual(['PERSISTED_QUERY_NOT_FOUND']);
    expect((await fetch(polystore.url, persisted(hash, {}, query))).status).toBe(200);
    const keys = await polystore.keySpaces.gateway.keys();
    expect(keys).toContain(`${polystore.keySpaces.gateway.prefix}apq:${hash}`);
    const again = await fetch(polystore.url, persisted(hash));
    expect(await again.json()).toEqual({ data: { categories: [] } });
  });

  it('answers safelisted hashes without registration, and still runs ad hoc operations', async () => {
    const res = await fetch(polystore.url, persisted(byName('Categories').hash));
    expect(await res.json()).toEqual({ data: { categories: [] } });
    expect((await gql(polystore.url, '{ categories { name } }')).errors).toBeUndefined();
  });
});

it('the safelist holds the storefront operations, hashed over exactly the text clients send', () => {
  expect(safelist.map((o) => o.name).sort()).toEqual(
    [
      'AccountsProductExists',
      'AddToWishlist',
      'CapturePayment',
      'CartProductStatus',
      'Cart',
      'CategoryPage',
      'Categories',
      'ClearCart',
      'CreateCategory',
      'CreateProduct',
      'HomePage',
      'AccountPage',
      'AddToCart',
      'Me',
      'OrderDetail',
      'OrdersProductSnapshots',
      'PayOrder',
      'PlaceOrder',
      'RefundPayment',
      'ProductListing',
      'ProductPage',
      'RemoveFromCart',
      'RemoveFromWishlist',
      'SearchProducts',
      'SearchReindexProducts',
      'SignIn',
      'SignOut',
      'SignOutEverywhere',
      'SignUp',
      'UpdateCartItem',
      'UpdateProduct',
    ].sort(),
  );
  for (const op of safelist) expect(op.hash).toBe(sha256(op.body));
  expect(byName('Me').body).toContain('fragment WishlistItem on Product');
  expect(byName('Categories').body).not.toContain('fragment');
  expect(readFileSync(path.join(__dirname, '..', 'schema', 'operations', byName('Me').file), 'utf8')).toContain(
    'query Me',
  );
});
