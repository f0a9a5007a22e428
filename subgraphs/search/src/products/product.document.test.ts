import { toDocument, type CatalogProduct } from './product.document';

describe('toDocument', () => {
  it('keeps what search filters, sorts and counts on, with attributes as the catalog keys them', () => {
    const product: CatalogProduct = {
      id: 'p1',
      sku: 'LAMP-1',
      name: 'Desk Lamp',
      description: 'Bright',
      price: { amount: 4900, currency: 'EUR' },
      category: { slug: 'lighting', name: 'Lighting' },
      attributes: [{ name: ' Colour ', value: 'Brass ' }],
      stock: 0,
      status: 'ACTIVE',
      version: 7,
      createdAt: '2026-01-01T00:00:00.000Z',
      updatedAt: '2026-01-02T00:00:00.000Z',
    };
    expect(toDocument(product)).toEqual({
      id: 'p1',
      sku: 'LAMP-1',
      name: 'Desk Lamp',
      description: 'Bright',
      attributeText: ['Brass '],
      category: 'lighting',
      categoryName: 'Lighting',
      attributeKeys: ['colour=brass'],
      price: 4900,
      currency: 'EUR',
      stock: 0,
      inStock: false,
      status: 'ACTIVE',
      createdAt: '2026-01-01T00:00:00.000Z',
      updatedAt: '2026-01-02T00:00:00.000Z',
    });
  });
});
