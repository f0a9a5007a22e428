import { z } from 'zod';
import { connectionArgs } from '@polystore/platform';

export const id = z.uuid({ message: 'must be a UUID' });

/** Lines per order and units per line: bounds that keep one request from writing without end. */
export const MAX_LINES = 50;
export const MAX_QUANTITY = 99;
/** The largest order total, in minor units (1,000,000.00): also keeps every amount inside a 32-bit Int. */
export const MAX_ORDER_TOTAL = 100_000_000;

export const createOrderInput = z.object({
  lines: z
    .array(
      z.object({
        productId: id,
        quantity: z
          .number()
          .int('must be a whole number')
          .min(1, 'must be at least 1')
          .max(MAX_QUANTITY, `must be at most ${MAX_QUANTITY}`),
      }),
    )
    .min(1, 'an order needs at least one line')
    .max(MAX_LINES, `at most ${MAX_LINES} lines`)
    .superRefine((lines, ctx) => {
      const seen = new Set<string>();
      lines.forEach((line, i) => {
        if (seen.has(line.productId)) {
          ctx.addIssue({ code: 'custom', path: [i, 'productId'], message: 'appears on another line already' });
        }
        seen.add(line.productId);
      });
    }),
});
export type CreateOrderInput = z.infer<typeof createOrderInput>;

export const ORDER_STATUSES = ['PENDING_PAYMENT', 'PAID', 'SHIPPED', 'DELIVERED', 'CANCELLED'] as const;
export type OrderStatusValue = (typeof ORDER_STATUSES)[number];

export const ordersArgs = connectionArgs(50).extend({
  first: z.number().int().min(1).max(50).default(10),
  status: z.enum(ORDER_STATUSES).nullish(),
});
export type OrdersArgs = z.infer<typeof ordersArgs>;
