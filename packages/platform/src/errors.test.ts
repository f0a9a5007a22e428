import { z } from 'zod';
import { parseInput } from './errors';

describe('parseInput', () => {
  const schema = z.object({ name: z.string().min(1), price: z.object({ amount: z.number().int().min(0) }) });

  it('returns the parsed value when it fits', () => {
    expect(parseInput(schema, { name: 'x', price: { amount: 1 } })).toEqual({ name: 'x', price: { amount: 1 } });
  });

  it('throws one BAD_USER_INPUT listing every bad field by its path', () => {
    try {
      parseInput(schema, { name: '', price: { amount: -1 } });
      throw new Error('expected a failure');
    } catch (error) {
      const e = error as { extensions: { code: string; fields: { field: string }[] } };
      expect(e.extensions.code).toBe('BAD_USER_INPUT');
      expect(e.extensions.fields.map((f) => f.field)).toEqual(['input.name', 'input.price.amount']);
    }
  });
});
