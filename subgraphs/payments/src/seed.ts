import type { Db } from './db';

export interface SeedPayment {
  id: string;
  orderId: string;
  customerId: string;
  amount: number;
  status: 'AUTHORIZED' | 'CAPTURED';
  card: { brand: string; last4: string; expMonth: number; expYear: number };
  createdAt: Date;
}

/**
 * Sample payments of sample orders, as the simulated processor would have recorded them (brand and
 * last four digits only), when there are no payments yet.
 */
export async function writePaymentsSample(
  db: Db,
  payments: SeedPayment[],
  currency: string,
  onProgress: (written: number) => void,
): Promise<'written' | 'not-empty'> {
  if ((await db.payment.count()) > 0) return 'not-empty';
  for (let i = 0; i < payments.length; i += 200) {
    const batch = payments.slice(i, i + 200);
    await db.payment.createMany({
      data: batch.map((p) => ({
        id: p.id,
        orderId: p.orderId,
        customerId: p.customerId,
        amount: p.amount,
        currency,
        status: p.status,
        capturedAmount: p.status === 'CAPTURED' ? p.amount : 0,
        cardBrand: p.card.brand,
        cardLast4: p.card.last4,
        cardExpMonth: p.card.expMonth,
        cardExpYear: p.card.expYear,
        processor: 'simulated',
        providerReference: `sim_seed_${p.id.slice(-12)}`,
        createdAt: p.createdAt,
        authorizedAt: p.createdAt,
        capturedAt: p.status === 'CAPTURED' ? new Date(p.createdAt.getTime() + 3_600_000) : null,
      })),
    });
    onProgress(batch.length);
  }
  return 'written';
}
