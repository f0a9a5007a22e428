import { z } from 'zod';
import { badUserInput } from '@polystore/platform';
import { MAX_QUANTITY } from './cart.model';

/** Catalog ids are UUIDs; stored lower-cased so one product is one cart line whatever the case. */
export const productId = z
  .string()
  .max(64, 'must be a UUID')
  .pipe(z.uuid({ message: 'must be a UUID' }))
  .transform((id) => id.toLowerCase());

export const quantity = z
  .number()
  .int('must be a whole number')
  .min(1, 'must be at least 1')
  .max(MAX_QUANTITY, `must be at most ${MAX_QUANTITY}`);

export const cartItemInput = z.object({ productId, quantity });
export const removeInput = z.object({ productId });

/** Validate a mutation's arguments: one BAD_USER_INPUT naming every bad argument (`productId`, `quantity`). */
export function parseArgs<T extends z.ZodType>(schema: T, args: unknown): z.infer<T> {
  const result = schema.safeParse(args);
  if (result.success) return result.data;
  const fields = result.error.issues.map((issue) => ({
    field: issue.path.map(String).join('.'),
    message: issue.message,
  }));
  throw badUserInput(`Invalid arguments: ${fields.map((f) => `${f.field}: ${f.message}`).join('; ')}`, fields);
}
