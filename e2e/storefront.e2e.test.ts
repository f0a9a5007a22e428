import { createRoleService } from '../subgraphs/accounts/src/role/role.service';
import { SAMPLE_PASSWORD, SAMPLE_STAFF_EMAIL, type Sample } from '../tools/src/sample-data';
import { Browser } from './support/browser';
import { startPolystore, type RunningPolystore } from './support/polystore';
import { PERSISTED, sendPersisted } from './support/operations';
import { loadSampleStore } from './support/sample-store';

// Every storefront operation in schema/operations/, sent the way a production client sends it (by
// its hash alone, with the gateway requiring the safelist), through the gateway to the real stores,
// on the seeded sample store: browsing, search, account, wishlist, cart, checkout, order history.
const operations = PERSISTED;
/**
 * The storefront's operations, and the back office's (staff.graphql, run as the sample staff user):
 * everything on the safelist but what services send (services.graphql).
 */
const storefront = [...operations.values()].filter((o) => o.file !== 'services.graphql').map((o) => o.name);
const ran = new Set<string>();

let polystore: RunningPolystore;
let sample: Sample;

/** Send a safelisted operation by its hash, as a browser would (cookies kept), and expect no error. */
async function run(browser: Browser, name: string, variables: Record<string, unknown> = {}): Promise<any> {
  const result = await sendPersisted(browser, name, variables);
  ran.add(name);
  if (result.status !== 200 || result.errors) {
    throw new Error(`${name} failed: HTTP ${result.status} ${JSON.stringify(result.errors)}`);
  }
  return result.data;
}

beforeAll(async () => {
  polystore = await startPolystore({ gateway: { PERSISTED_OPERATIONS: 'require' } });
  sample = await loadSampleStore(polystore, { products: 240, users: 40 });
}, 180_000);

afterAll(async () => {
  await polystore?.stop();
});

describe('the storefront, on the sample store', () => {
  const shopper = () => new Browser(polystore.url);

  it('browses: the home page, a category page with filters and facets, a product page', async () => {
    const browser = shopper();
    const home = await run(browser, 'HomePage', { first: 12 });
    const newest = sample.products
      .filter((p) => p.status === 'ACTIVE')
      .sort((x, y) => y.createdAt.getTime() - x.createdAt.getTime())
      .slice(0, 12);
    expect(home.searchProducts.hits.map((h: any) => h.product.id)).toEqual(newest.map((p) => p.id));
    expect(home.categories).toHaveLength(sample.categories.length);
    const listing = await run(browser, 'ProductListing', { first: 12, sort: 'NEWEST' });
    expect(listing.products.edges).toHaveLength(12);
    expect(listing.products.totalCount).toBe(sample.products.filter((p) => p.status === 'ACTIVE').length);

    const { categories } = await run(browser, 'Categories');
    expect(categories.map((c: { slug: string }) => c.slug).sort()).toEqual(sample.categories.map((c) => c.slug).sort());

    const lighting = sample.products.filter((p) => p.category === 'lighting' && p.status === 'ACTIVE');
    const page = await run(browser, 'CategoryPage', { filter: { categories: ['lighting'] }, first: 20 });
    expect(page.searchProducts.total).toBe(lighting.length);
    expect(page.searchProducts.hits.every((h: any) => h.product.category.slug === 'lighting')).toBe(true);
    expect(page.searchProducts.facets.attributes.length).toBeGreaterThan(0);

    // narrowed by an attribute value the facets offered
    const facet = page.searchProducts.facets.attributes[0] as { value: string; count: number };
    const [attribute, value] = facet.value.split('=');
    const narrowed = await run(browser, 'CategoryPage', {
      filter: { categories: ['lighting'], attributes: [{ name: attribute, values: [value] }] },
      first: 50,
    });
    expect(narrowed.searchProducts.total).toBe(facet.count);

    const productId = page.searchProducts.hits[0].product.id;
    const { product } = await run(browser, 'ProductPage', { id: productId });
    const expected = sample.products.find((p) => p.id === productId)!;
    expect(product).toMatchObject({ id: productId, sku: expected.sku, name: expected.name, price: expected.price });
  });

  it('searches with typos, facets and highlights', async () => {
    const browser = shopper();
    const target = sample.products.find((p) => p.status === 'ACTIVE' && p.name.endsWith(' Lamp'))!;
    const typo = target.name.replace(/Lamp$/, 'Lmap');
    const { searchProducts } = await run(browser, 'SearchProducts', { query: typo, first: 10 });
    expect(searchProducts.total).toBeGreaterThan(0);
    expect(searchProducts.hits.map((h: any) => h.product.id)).toContain(target.id);
    expect(searchProducts.hits[0].highlights.length).toBeGreaterThan(0);
    expect(searchProducts.facets.categories.length).toBeGreaterThan(0);
  });

  it('signs up, keeps a wishlist and a cart, checks out and pays, and reads it all on the account page', async () => {
    const browser = shopper();
    const [a, b, c] = sample.products.filter((p) => p.status === 'ACTIVE' && p.stock > 0);
    // an anonymous cart first: it becomes the user's at sign-in
    await run(browser, 'AddToCart', { productId: a!.id, quantity: 2 });

    const email = 'storefront@example.com';
    const password = 'a long enough secret';
    await run(browser, 'SignUp', { input: { email, name: 'Store Front', password } });
    const { signIn } = await run(browser, 'SignIn', { input: { email, password } });
    expect(signIn.user.email).toBe(email);

    await run(browser, 'AddToWishlist', { productId: b!.id });
    await run(browser, 'AddToWishlist', { productId: c!.id });
    const removed = await run(browser, 'RemoveFromWishlist', { productId: c!.id });
    expect(removed.removeFromWishlist.wishlist.map((p: { id: string }) => p.id)).toEqual([b!.id]);
    const { me } = await run(browser, 'Me');
    expect(me).toMatchObject({ email, wishlist: [{ id: b!.id, name: b!.name }] });

    await run(browser, 'AddToCart', { productId: b!.id, quantity: 1 });
    await run(browser, 'AddToCart', { productId: c!.id, quantity: 1 });
    await run(browser, 'UpdateCartItem', { productId: b!.id, quantity: 3 });
    await run(browser, 'RemoveFromCart', { productId: c!.id });
    const { cart } = await run(browser, 'Cart');
    expect(cart.items.map((i: any) => [i.product.id, i.quantity])).toEqual([
      [a!.id, 2],
      [b!.id, 3],
    ]);

    const placed = await run(browser, 'PlaceOrder', {
      input: { lines: cart.items.map((i: any) => ({ productId: i.product.id, quantity: i.quantity })) },
    });
    const order = placed.createOrder;
    expect(order.total.amount).toBe(2 * a!.price.amount + 3 * b!.price.amount);
    const paid = await run(browser, 'PayOrder', {
      input: {
        orderId: order.id,
        checkoutToken: order.checkoutToken,
        idempotencyKey: `storefront-${order.id}`,
        card: { number: '4242 4242 4242 4242', expMonth: 12, expYear: new Date().getUTCFullYear() + 2, cvc: '123' },
      },
    });
    expect(paid.authorizePayment).toMatchObject({ status: 'AUTHORIZED', method: { brand: 'visa', last4: '4242' } });
    const cleared = await run(browser, 'ClearCart');
    expect(cleared.clearCart.totalQuantity).toBe(0);

    const account = await run(browser, 'AccountPage', { first: 10 });
    expect(account.me.orders.edges).toHaveLength(1);
    expect(account.me.orders.edges[0].node).toMatchObject({
      number: order.number,
      payment: { status: 'AUTHORIZED', method: { last4: '4242' } },
      lines: [
        { name: a!.name, quantity: 2, product: { id: a!.id } },
        { name: b!.name, quantity: 3, product: { id: b!.id } },
      ],
    });
    const detail = await run(browser, 'OrderDetail', { id: order.id });
    expect(detail.order.subtotal.amount).toBe(order.total.amount);

    await run(browser, 'SignOut');
    expect((await run(browser, 'Cart')).cart.totalQuantity).toBe(0);
  });

  it('shows a sample customer their seeded orders, payments and cart, and signs them out everywhere', async () => {
    const customer = sample.users.find((u) => sample.orders.filter((o) => o.customerId === u.id).length >= 2)!;
    const theirs = sample.orders
      .filter((o) => o.customerId === customer.id)
      .sort((x, y) => y.placedAt.getTime() - x.placedAt.getTime());
    const payments = new Map(sample.payments.map((p) => [p.orderId, p]));
    const browser = shopper();
    await run(browser, 'SignIn', { input: { email: customer.email, password: SAMPLE_PASSWORD } });
    const account = await run(browser, 'AccountPage', { first: 50 });
    expect(account.me.orders.edges.map((e: any) => [e.node.status, e.node.payment?.status ?? null])).toEqual(
      theirs.map((o) => [o.status, payments.get(o.id)?.status ?? null]),
    );
    const secondDevice = shopper();
    await run(secondDevice, 'SignIn', { input: { email: customer.email, password: SAMPLE_PASSWORD } });
    const { signOutEverywhere } = await run(browser, 'SignOutEverywhere');
    expect(signOutEverywhere).toBeGreaterThanOrEqual(2);
    // the other device's session ended too: it is anonymous again
    expect((await run(secondDevice, 'Cart')).cart.totalQuantity).toBe(0);
  });

  it('runs the back office as the sample staff user the seed made: catalog writes, capture and refund', async () => {
    // granted by the seed through the same audited path as `npm run staff -- grant`
    expect(await createRoleService(polystore.accounts.db).history(SAMPLE_STAFF_EMAIL)).toEqual([
      expect.objectContaining({ role: 'staff', action: 'GRANTED', actor: 'seed' }),
    ]);
    const staff = shopper();
    const { signIn } = await run(staff, 'SignIn', { input: { email: SAMPLE_STAFF_EMAIL, password: SAMPLE_PASSWORD } });
    expect(signIn.user.email).toBe(SAMPLE_STAFF_EMAIL);
    const { createCategory } = await run(staff, 'CreateCategory', { input: { slug: 'clearance', name: 'Clearance' } });
    expect(createCategory.slug).toBe('clearance');
    const { createProduct } = await run(staff, 'CreateProduct', {
      input: {
        sku: 'CLR-00001',
        name: 'Last Lamp',
        price: { amount: 2500, currency: 'EUR' },
        category: 'clearance',
        stock: 3,
      },
    });
    const { updateProduct } = await run(staff, 'UpdateProduct', {
      id: createProduct.id,
      input: { price: { amount: 1900, currency: 'EUR' }, expectedVersion: 1 },
    });
    expect(updateProduct).toMatchObject({ price: { amount: 1900 }, version: 2 });

    // a sample customer with no seeded orders buys it; staff captures and refunds part of it
    const buyer = sample.users.find((u) => !sample.orders.some((o) => o.customerId === u.id))!;
    const customer = shopper();
    await run(customer, 'SignIn', { input: { email: buyer.email, password: SAMPLE_PASSWORD } });
    const { createOrder } = await run(customer, 'PlaceOrder', {
      input: { lines: [{ productId: createProduct.id, quantity: 2 }] },
    });
    const { authorizePayment } = await run(customer, 'PayOrder', {
      input: {
        orderId: createOrder.id,
        checkoutToken: createOrder.checkoutToken,
        idempotencyKey: `storefront-staff-${createOrder.id}`,
        card: { number: '5555555555554444', expMonth: 1, expYear: new Date().getUTCFullYear() + 1, cvc: '321' },
      },
    });
    const { capturePayment } = await run(staff, 'CapturePayment', {
      input: { paymentId: authorizePayment.id, idempotencyKey: `capture-${authorizePayment.id}` },
    });
    expect(capturePayment).toMatchObject({ status: 'CAPTURED', capturedAmount: { amount: 3800 } });
    const { refundPayment } = await run(staff, 'RefundPayment', {
      input: {
        paymentId: authorizePayment.id,
        amount: { amount: 1900, currency: 'EUR' },
        reason: 'one arrived broken',
        idempotencyKey: `refund-${authorizePayment.id}`,
      },
    });
    expect(refundPayment).toMatchObject({ status: 'PARTIALLY_REFUNDED', refundedAmount: { amount: 1900 } });
  });

  afterAll(() => {
    // every storefront and staff operation of schema/operations/ ran in this suite
    expect(storefront.filter((name) => !ran.has(name))).toEqual([]);
  });
});
