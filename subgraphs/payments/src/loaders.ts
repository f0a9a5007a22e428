import DataLoader from 'dataloader';
import { z } from 'zod';
import type { PaymentRecord, PaymentRepository, RefundRecord } from './payment/payment.repository';

const isUuid = (value: string) => z.uuid().safeParse(value).success;

/** Fresh per request: each batches every lookup of one planner step into one query. */
export function createLoaders(payments: PaymentRepository) {
  return {
    paymentById: new DataLoader<string, PaymentRecord | null>(async (ids) => {
      const valid = ids.filter(isUuid);
      const rows = valid.length ? await payments.findByIds(valid) : [];
      const byId = new Map(rows.map((p) => [p.id, p]));
      return ids.map((id) => byId.get(id) ?? null);
    }),
    /** Order.payment for every order of a planner step: one query. */
    latestPaymentByOrder: new DataLoader<string, PaymentRecord | null>(async (orderIds) => {
      const valid = orderIds.filter(isUuid);
      const latest = valid.length ? await payments.latestByOrders(valid) : new Map<string, PaymentRecord>();
      return orderIds.map((id) => latest.get(id) ?? null);
    }),
    refundsByPayment: new DataLoader<string, RefundRecord[]>(async (paymentIds) => {
      const byPayment = await payments.refundsByPayments(paymentIds);
      return paymentIds.map((id) => byPayment.get(id) ?? []);
    }),
  };
}
export type Loaders = ReturnType<typeof createLoaders>;
