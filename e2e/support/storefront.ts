import { gql } from '../../test-support/graphql';

export interface Storefront {
  categorySlug: string;
  productIds: string[];
  userId: string;
}

async function mustGql(url: string, query: string, variables: Record<string, unknown> = {}) {
  const res = await gql(url, query, variables);
  if (res.errors) throw new Error(`${query.slice(0, 60)}: ${JSON.stringify(res.errors)}`);
  return res.data!;
}

/** A small store written through the gateway: one category, a few products, a user wishing for them. */
export async function seedStorefront(url: string, products = 3): Promise<Storefront> {
  const categorySlug = 'lamps';
  await mustGql(url, `mutation { createCategory(input: { slug: "${categorySlug}", name: "Lamps" }) { slug } }`);
  const productIds: string[] = [];
  for (let i = 0; i < products; i++) {
    const data = await mustGql(url, `mutation($input: CreateProductInput!) { createProduct(input: $input) { id } }`, {
      input: {
        sku: `LAMP-${i}`,
        name: `Lamp ${i}`,
        price: { amount: 1000 + i, currency: 'EUR' },
        category: categorySlug,
        stock: 5,
      },
    });
    productIds.push(data['createProduct'].id);
  }
  const user = await mustGql(url, `mutation($input: SignUpInput!) { signUp(input: $input) { id } }`, {
    input: { email: 'outage@example.com', name: 'Olive Outage', password: 'a long enough secret' },
  });
  const userId = user['signUp'].id as string;
  for (const productId of productIds) {
    await mustGql(url, `mutation($input: WishlistInput!) { addToWishlist(input: $input) { id } }`, {
      input: { userId, productId },
    });
  }
  return { categorySlug, productIds, userId };
}
