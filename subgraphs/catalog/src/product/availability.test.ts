import { availabilityOf } from './availability';

describe('availability', () => {
  it.each([
    [{ status: 'ARCHIVED', stock: 50 }, 'DISCONTINUED'],
    [{ status: 'ACTIVE', stock: 0 }, 'OUT_OF_STOCK'],
    [{ status: 'ACTIVE', stock: 5 }, 'LOW_STOCK'],
    [{ status: 'ACTIVE', stock: 6 }, 'IN_STOCK'],
  ] as const)('of %o is %s with a low-stock threshold of 5', (product, expected) => {
    expect(availabilityOf(product, 5)).toBe(expected);
  });
});
