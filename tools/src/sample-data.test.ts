import { generateSample } from './sample-data';

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
