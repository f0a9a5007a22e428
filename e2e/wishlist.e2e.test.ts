import { counterValue } from '@polystore/platform';
import { codes, gql } from '../test-support/graphql';
import { Browser } from './support/browser';
import { startPolystore, type RunningPolystore } from './support/polystore';
import { createStaff } from './support/staff';

// The whole path a storefront takes: through the gateway, to accounts (PostgreSQL) and catalog
// (MongoDB), joined by the gateway's query plan.
let polystore: RunningPolystore;

beforeAll(async () => {
  polystore = await startPolystore();
});
afterAll(async () => {
  await polystore?.stop();
});

const catalogCounter = (name: string, labels: Record<string, string>) =>
  counterValue(polystore.catalog.metrics.registry, name, labels);

describe('a user with a wishlist', () => {
  it('is answered in one query joining accounts and catalog, with one batched entity fetch', async () => {
    const { url } = polystore;
    const staff = await (await createStaff(polystore)).signIn();
    const category = await staff.gql(`mutation { createCategory(input: { slug: "lamps", name: "Lamps" }) { slug } }`);
    expect(category.errors).toBeUndefined();
    const productIds: string[] = [];
    for (const [i, name] of ['Arc Lamp', 'Desk Lamp', 'Paper Lantern', 'Floor Lamp'].entries()) {
      const created = await staff.gql(`mutation($input: CreateProductInput!) { createProduct(input: $input) { id } }`, {
        input: {
          sku: `LAMP-${i}`,
          name,
          price: { amount: 4900 + i * 1000, currency: 'EUR' },
          category: 'lamps',
          stock: 3,
        },
      });
      expect(created.errors).toBeUndefined();
      productIds.push(created.data!['createProduct'].id);
    }
    const signUp = await gql(url, `mutation($input: SignUpInput!) { signUp(input: $input) { id } }`, {
      input: { email: 'shopper@example.com', name: 'Sam Shopper', password: 'a long enough secret' },
    });
    expect(signUp.errors).toBeUndefined();
    const shopper = new Browser(url);
    const signIn = await shopper.gql(`mutation($input: SignInInput!) { signIn(input: $input) { user { id } } }`, {
      input: { email: 'shopper@example.com', password: 'a long enough secret' },
    });
    expect(signIn.errors).toBeUndefined();
    for (const productId of productIds) {
      const added = await shopper.gql(`mutation($input: WishlistInput!) { addToWishlist(input: $input) { id } }`, {
        input: { productId },
      });
      expect(added.errors).toBeUndefined();
    }

    const entityFetches = await catalogCounter('graphql_entity_requests_total', { typename: 'Product' });
    const finds = await catalogCounter('store_commands_total', { store: 'mongodb', operation: 'find' });
    const representations = await catalogCounter('graphql_entity_representations_total', { typename: 'Product' });
    const res = await shopper.gql(
      `query Wishlist { me { name email wishlist { id name price { amount currency } category { name } } } }`,
    );
    expect(res.errors).toBeUndefined();
    expect(res.data!['me']).toEqual({
      name: 'Sam Shopper',
      email: 'shopper@example.com',
      wishlist: [...productIds].reverse().map((id, i, all) => ({
        id,
        name: ['Arc Lamp', 'Desk Lamp', 'Paper Lantern', 'Floor Lamp'][all.length - 1 - i],
        price: { amount: 4900 + (all.length - 1 - i) * 1000, currency: 'EUR' },
        category: { name: 'Lamps' },
      })),
    });
    // Counted at the catalog, not assumed: one _entities request for all four products. They were
    // just written, so the product cache serves them without a store query (the cold path, one
    // `$in` find, is covered by the catalog's own tests).
    expect((await catalogCounter('graphql_entity_requests_total', { typename: 'Product' })) - entityFetches).toBe(1);
    expect(
      (await catalogCounter('graphql_entity_representations_total', { typename: 'Product' })) - representations,
    ).toBe(4);
    expect((await catalogCounter('store_commands_total', { store: 'mongodb', operation: 'find' })) - finds).toBe(0);
  });

  it('cannot save a product the catalog does not have', async () => {
    await gql(polystore.url, `mutation($input: SignUpInput!) { signUp(input: $input) { id } }`, {
      input: { email: 'picky@example.com', name: 'Pat', password: 'a long enough secret' },
    });
    const picky = new Browser(polystore.url);
    await picky.gql(`mutation($input: SignInInput!) { signIn(input: $input) { user { id } } }`, {
      input: { email: 'picky@example.com', password: 'a long enough secret' },
    });
    const res = await picky.gql(`mutation($input: WishlistInput!) { addToWishlist(input: $input) { id } }`, {
      input: { productId: '0190a0b0-0000-7000-8000-00000000abcd' },
    });
    expect(codes(res)).toEqual(['NOT_FOUND']);
  });

  it('cannot be changed by an anonymous caller', async () => {
    const res = await gql(polystore.url, `mutation($input: WishlistInput!) { addToWishlist(input: $input) { id } }`, {
      input: { productId: '0190a0b0-0000-7000-8000-00000000abcd' },
    });
    expect(codes(res)).toEqual(['UNAUTHENTICATED']);
  });
});
