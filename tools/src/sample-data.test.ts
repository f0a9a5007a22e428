import { generateSample, SAMPLE_STAFF_EMAIL } from './sample-data';

describe('the sample store', () => {
  const sample = generateSample();

  it('is the same on every run', () => {
    expect(generateSample()).toEqual(sample);
  });

  it('has at least 1,000 products over every category and a few hundred users', () => {
    expect(sample.products.length).toBeGreaterThanOrEqual(1000);
    expect(sample.users.length).toBeGreaterThanOrEqual(200);
    expect(new Set(sample.products.map((p) => p.category))).toEqual(new Set(sample.categories.map((c) => c.slug)));
    expect(sample.categories.length).toBeGreaterThanOrEqual(6);
  });

  it('has unique ids, skus and emails, and prices in minor units', () => {
    expect(new Set(sample.products.map((p) => p.id)).size).toBe(sample.products.length);
    expect(new Set(sample.products.map((p) => p.sku)).size).toBe(sample.products.length);
    expect(new Set(sample.users.map((u) => u.email)).size).toBe(sample.users.length);
    expect(sample.products.every((p) => Number.isInteger(p.price.amount) && p.price.amount > 0)).toBe(true);
    expect(sample.products.every((p) => /^[A-Z0-9][A-Z0-9-]{2,63}$/.test(p.sku))).toBe(true);
  });

  it('has one staff user with the documented email, who is none of the customers and has ordered nothing', () => {
    expect(SAMPLE_STAFF_EMAIL).toBe('staff@example.com'); // named in the README
    expect(sample.staff).toMatchObject({ email: SAMPLE_STAFF_EMAIL, wishlist: [] });
    expect(sample.users.map((u) => u.email)).not.toContain(SAMPLE_STAFF_EMAIL);
    expect(sample.users.map((u) => u.id)).not.toContain(sample.staff.id);
    expect(sample.orders.some((o) => o.customerId === sample.staff.id)).toBe(false);
  });

  it('varies attributes, stock and status', () => {
    const attributeNames = new Set(sample.products.flatMap((p) => p.attributes.map((a) => a.name)));
    expect(attributeNames.size).toBeGreaterThanOrEqual(10);
    expect(sample.products.some((p) => p.stock === 0)).toBe(true);
    expect(sample.products.some((p) => p.status === 'ARCHIVED')).toBe(true);
  });

  it('fills wishlists only with products that are for sale', () => {
    const active = new Set(sample.products.filter((p) => p.status === 'ACTIVE').map((p) => p.id));
    const saved = sample.users.flatMap((u) => u.wishlist);
    expect(saved.length).toBeGreaterThan(0);
    expect(saved.every((id) => active.has(id))).toBe(true);
  });
});

describe('the sample orders, payments and carts', () => {
  const sample = generateSample();
  const products = new Map(sample.products.map((p) => [p.id, p]));
  const users = new Set(sample.users.map((u) => u.id));

  it('belong to sample users and copy the sample catalog', () => {
    expect(sample.orders.length).toBeGreaterThan(100);
    for (const order of sample.orders) {
      expect(users.has(order.customerId)).toBe(true);
      for (const line of order.lines) {
        const product = products.get(line.productId)!;
        expect(line).toMatchObject({ productName: product.name, unitPrice: product.price.amount });
      }
    }
    expect(
      sample.carts.every(
        (c) => users.has(c.userId) && c.items.every((i) => products.get(i.productId)?.status === 'ACTIVE'),
      ),
    ).toBe(true);
  });

  it('pay exactly what each order costs, at most once per order, never for a cancelled one', () => {
    const orders = new Map(sample.orders.map((o) => [o.id, o]));
    expect(new Set(sample.payments.map((p) => p.orderId)).size).toBe(sample.payments.length);
    for (const payment of sample.payments) {
      const order = orders.get(payment.orderId)!;
      expect(order.status).not.toBe('CANCELLED');
      expect(payment.amount).toBe(order.lines.reduce((sum, l) => sum + l.unitPrice * l.quantity, 0));
      expect(payment.customerId).toBe(order.customerId);
    }
  });
});
