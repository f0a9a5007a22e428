import { type GraphQLResponse } from '../../test-support/graphql';
import { Browser } from './browser';
import type { RunningPolystore } from './polystore';
import { createStaff } from './staff';

export interface Storefront {
  categorySlug: string;
  productIds: string[];
  userId: string;
  /** As the signed-in shopper (the session's cookies), through the gateway at `url`. */
  call(
    url: string,
    query: string,
    variables?: Record<string, unknown>,
    headers?: Record<string, string>,
  ): Promise<GraphQLResponse<any>>;
  shopper: Browser;
}

async function must(res: GraphQLResponse<any>, what: string) {
  if (res.errors) throw new Error(`${what.slice(0, 60)}: ${JSON.stringify(res.errors)}`);
  return res.data!;
}

/**
 * A small store written through the gateway: one category and a few products (by a staff user),
 * and a signed-in shopper whose wishlist holds them. The shopper's session cookies work on any
 * gateway of the same accounts service (the tests that put a second gateway in front use them too).
 */
export async function seedStorefront(polystore: RunningPolystore, products = 3): Promise<Storefront> {
  const url = polystore.url;
  const staff = await (await createStaff(polystore)).signIn();
  const categorySlug = 'lamps';
  const createCategory = `mutation { createCategory(input: { slug: "${categorySlug}", name: "Lamps" }) { slug } }`;
  await must(await staff.gql(createCategory), createCategory);
  const productIds: string[] = [];
  const createProduct = `mutation($input: CreateProductInput!) { createProduct(input: $input) { id } }`;
  for (let i = 0; i < products; i++) {
    const data = await must(
      await staff.gql(createProduct, {
        input: {
          sku: `LAMP-${i}`,
          name: `Lamp ${i}`,
          price: { amount: 1000 + i, currency: 'EUR' },
          category: categorySlug,
          stock: 5,
        },
      }),
      createProduct,
    );
    productIds.push(data['createProduct'].id);
  }
  const shopper = new Browser(url);
  const input = { email: 'outage@example.com', name: 'Olive Outage', password: 'a long enough secret' };
  const signUp = `mutation($input: SignUpInput!) { signUp(input: $input) { id } }`;
  const userId = (await must(await shopper.gql(signUp, { input }), signUp))['signUp'].id as string;
  const signIn = `mutation($input: SignInInput!) { signIn(input: $input) { user { id } } }`;
  await must(await shopper.gql(signIn, { input: { email: input.email, password: input.password } }), signIn);
  const add = `mutation($productId: ID!) { addToWishlist(input: { productId: $productId }) { id } }`;
  for (const productId of productIds) await must(await shopper.gql(add, { productId }), add);
  return {
    categorySlug,
    productIds,
    userId,
    shopper,
    call: (at, query, variables = {}, headers = {}) => shopper.at(at).gql(query, variables, headers),
  };
}
