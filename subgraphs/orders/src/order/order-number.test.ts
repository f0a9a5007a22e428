import { orderNumber } from './order-number';

describe('orderNumber', () => {
  it('is PS-<UTC year>-<sequence padded to 6 digits>', () => {
    expect(orderNumber(123n, new Date('2026-11-23T10:00:00Z'))).toBe('PS-2026-000123');
  });

  it('takes the year in UTC, not local time', () => {
    expect(orderNumber(1n, new Date('2026-12-31T23:30:00-02:00'))).toBe('PS-2027-000001');
  });

  it('grows past six digits instead of wrapping', () => {
    expect(orderNumber(12_345_678n, new Date('2030-01-01T00:00:00Z'))).toBe('PS-2030-12345678');
  });
});
