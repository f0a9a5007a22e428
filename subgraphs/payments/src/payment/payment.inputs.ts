import valid from 'card-validator';
import { z } from 'zod';
import { CURRENCIES } from '../config';

export const id = z.uuid({ message: 'must be a UUID' });

/** Keys are the client's: any printable ASCII without spaces (a UUID is a good choice). */
export const idempotencyKey = z
  .string()
  .min(1, 'must not be empty')
  .max(255, 'must be at most 255 characters')
  .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces');

export const MAX_AMOUNT = 100_000_000;
const money = z.object({
  amount: z.number().int('must be an integer (minor units)').min(1, 'must be positive').max(MAX_AMOUNT),
  currency: z.enum(CURRENCIES),
});

/**
 * A card as sent: validated (Luhn, brand, CVC length, expiry: card-validator), then reduced to what
 * may be kept. Error messages never repeat the number or the CVC.
 */
const card = z
  .object({
    number: z
      .string()
      .max(32, 'is too long')
      .transform((n) => n.replace(/[\s-]/g, ''))
      .pipe(z.string().regex(/^\d{12,19}$/, 'must be 12 to 19 digits')),
    expMonth: z.number().int().min(1, 'must be 1 to 12').max(12, 'must be 1 to 12'),
    expYear: z.number().int().min(2000, 'must have four digits').max(2100, 'must have four digits'),
    cvc: z.string().regex(/^\d{3,4}$/, 'must be 3 or 4 digits'),
  })
  .transform((input, ctx) => {
    const checked = valid.number(input.number);
    if (!checked.isValid || !checked.card) {
      ctx.addIssue({ code: 'custom', path: ['number'], message: 'is not a valid card number' });
      return z.NEVER;
    }
    if (input.cvc.length !== checked.card.code.size) {
      ctx.addIssue({
        code: 'custom',
        path: ['cvc'],
        message: `must be ${checked.card.code.size} digits for this card`,
      });
    }
    if (!valid.expirationDate({ month: String(input.expMonth), year: String(input.expYear) }).isValid) {
      ctx.addIssue({ code: 'custom', path: ['expYear'], message: 'the card has expired (or expires too far ahead)' });
    }
    return { ...input, brand: checked.card.type, last4: input.number.slice(-4) };
  });
export type CardInput = z.output<typeof card>;

export const authorizeInput = z.object({
  orderId: id,
  checkoutToken: z.string().min(1, 'must not be empty').max(2048, 'is too long'),
  card,
  idempotencyKey,
});

export const captureInput = z.object({ paymentId: id, idempotencyKey });

export const refundInput = z.object({
  paymentId: id,
  amount: money.nullish(),
  reason: z.string().trim().max(500, 'must be at most 500 characters').nullish(),
  idempotencyKey,
});
