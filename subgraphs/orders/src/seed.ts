import type { Db } from './db';

export interface SeedOrder {
  id: string;
  customerId: string;
  status: 'PENDING_PAYMENT' | 'PAID' | 'SHIPPED' | 'DELIVERED' | 'CANCELLED';
  placedAt: Date;
  /** Name and unit price as they were when ordered (from the sample catalog). */
  lines: { productId: string; productName: string; unitPrice: number; quantity: number }[];
}

/** Sample orders with their line snapshots, 100 per transaction, when there are no orders yet. */
export async function writeOrdersSample(
  db: Db,
  orders: SeedOrder[],
  currency: string,
  onProgress: (written: number) => void,
): Promise<'written' | 'not-empty'> {
  if ((await db.order.count()) > 0) return 'not-empty';
  for (let i = 0; i < orders.length; i += 100) {
    const batch = orders.slice(i, i + 100);
    await db.$transaction([
      db.order.createMany({
        data: batch.map((o) => {
          const subtotal = o.lines.reduce((sum, l) => sum + l.unitPrice * l.quantity, 0);
          return {
            id: o.id,
            customerId: o.customerId,
            status: o.status,
            currency,
            subtotal,
            total: subtotal,
            itemCount: o.lines.reduce((sum, l) => sum + l.quantity, 0),
            placedAt: o.placedAt,
          };
        }),
      }),
      db.orderLine.createMany({
        data: batch.flatMap((o) =>
          o.lines.map((l, position) => ({ orderId: o.id, position, ...l, lineTotal: l.unitPrice * l.quantity })),
        ),
      }),
    ]);
    onProgress(batch.length);
  }
  return 'written';
}
