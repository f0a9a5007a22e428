import type { IdempotencyKey, Payment, Prisma, Refund } from '../generated/prisma/client';
import type { Db, Tx } from '../db';

export type PaymentRecord = Payment;
export type RefundRecord = Refund;
export type LedgerEntry = IdempotencyKey;

export type Operation = 'authorize' | 'capture' | 'refund';

/** A new entry in the idempotency ledger, IN_PROGRESS under a lease. */
export interface KeyClaim {
  callerId: string;
  key: string;
  operation: Operation;
  requestHash: string;
  lockedUntil: Date;
}

/** What a ledger entry points at. */
export interface ClaimRefs {
  paymentId: string;
  refundId?: string | null;
}

/** The outcome a repeat replays: the payment, or the coded error it ended with. */
export interface RecordedResponse {
  paymentId: string;
  error?: { code: string; message: string; extensions: Record<string, unknown> };
}

export interface NewPayment {
  orderId: string;
  customerId: string;
  amount: number;
  currency: string;
  cardBrand: string;
  cardLast4: string;
  cardExpMonth: number;
  cardExpYear: number;
  processor: string;
}

/** Thrown inside a claim's transaction to undo it: nothing is written. */
export class ClaimRefused extends Error {
  constructor(readonly reason: 'ORDER_HAS_PAYMENT' | 'NOTHING_LEFT_TO_REFUND') {
    super(reason);
  }
}

const LIVE_STATUSES = ['PENDING', 'AUTHORIZED', 'CAPTURED', 'PARTIALLY_REFUNDED', 'REFUNDED'] as const;

/**
 * The only code that touches the payments store: payments, refunds and the idempotency ledger.
 * Each claim writes its ledger entry together with what it starts, and each completion the outcome
 * and the ledger entry, on the caller's transaction (`tx`, opened by the service).
 */
export class PaymentRepository {
  constructor(private readonly db: Db) {}

  // --- reads ---------------------------------------------------------------------------------------

  findByIds(ids: readonly string[]): Promise<PaymentRecord[]> {
    return this.db.payment.findMany({ where: { id: { in: [...ids] } } });
  }

  async find(id: string): Promise<PaymentRecord | null> {
    return this.db.payment.findUnique({ where: { id } });
  }

  /** The newest attempt per order, for any number of orders in one query. */
  async latestByOrders(orderIds: readonly string[]): Promise<Map<string, PaymentRecord>> {
    const rows = await this.db.payment.findMany({
      where: { orderId: { in: [...orderIds] } },
      orderBy: [{ orderId: 'asc' }, { createdAt: 'desc' }, { id: 'desc' }],
    });
    const latest = new Map<string, PaymentRecord>();
    for (const row of rows) if (!latest.has(row.orderId)) latest.set(row.orderId, row);
    return latest;
  }

  async refundsByPayments(paymentIds: readonly string[]): Promise<Map<string, RefundRecord[]>> {
    const rows = await this.db.refund.findMany({
      where: { paymentId: { in: [...paymentIds] } },
      orderBy: [{ paymentId: 'asc' }, { createdAt: 'asc' }, { id: 'asc' }],
    });
    const byPayment = new Map<string, RefundRecord[]>();
    for (const row of rows) byPayment.set(row.paymentId, [...(byPayment.get(row.paymentId) ?? []), row]);
    return byPayment;
  }

  findKey(callerId: string, key: string): Promise<LedgerEntry | null> {
    return this.db.idempotencyKey.findUnique({ where: { callerId_key: { callerId, key } } });
  }

  // --- claims: ledger entry + the work it starts, in the caller's transaction ----------------------

  /**
   * Claim the key and create the PENDING payment. Null when the key was claimed meanwhile. Orders
   * are serialized by an advisory lock, so two keys cannot both start a live payment for one order.
   */
  async claimAuthorize(tx: Tx, claim: KeyClaim, payment: NewPayment): Promise<PaymentRecord | null> {
    const { count } = await tx.idempotencyKey.createMany({ data: [claim], skipDuplicates: true });
    if (count === 0) return null;
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${payment.orderId}, 0))`;
    const live = await tx.payment.count({
      where: { orderId: payment.orderId, status: { in: [...LIVE_STATUSES] } },
    });
    if (live > 0) throw new ClaimRefused('ORDER_HAS_PAYMENT');
    const created = await tx.payment.create({ data: payment });
    await tx.idempotencyKey.update({
      where: { callerId_key: { callerId: claim.callerId, key: claim.key } },
      data: { paymentId: created.id },
    });
    return created;
  }

  async claimCapture(claim: KeyClaim, paymentId: string): Promise<boolean> {
    const { count } = await this.db.idempotencyKey.createMany({
      data: [{ ...claim, paymentId }],
      skipDuplicates: true,
    });
    return count === 1;
  }

  /** Claim the key, reserve the amount on the payment (never beyond what was captured) and create the refund. */
  async claimRefund(
    tx: Tx,
    claim: KeyClaim,
    refund: { paymentId: string; amount: number; reason: string | null },
  ): Promise<RefundRecord | null> {
    const { count } = await tx.idempotencyKey.createMany({
      data: [{ ...claim, paymentId: refund.paymentId }],
      skipDuplicates: true,
    });
    if (count === 0) return null;
    const reserved = await tx.$executeRaw`
      UPDATE payments SET refunded_amount = refunded_amount + ${refund.amount}, updated_at = now()
      WHERE id = ${refund.paymentId}::uuid AND status IN ('CAPTURED', 'PARTIALLY_REFUNDED')
        AND captured_amount - refunded_amount >= ${refund.amount}`;
    if (reserved !== 1) throw new ClaimRefused('NOTHING_LEFT_TO_REFUND');
    const created = await tx.refund.create({ data: refund });
    await tx.idempotencyKey.update({
      where: { callerId_key: { callerId: claim.callerId, key: claim.key } },
      data: { refundId: created.id },
    });
    return created;
  }

  /** Take over an entry whose lease ran out (its request died or gave up): true when this caller got it. */
  async takeOver(callerId: string, key: string, seenLockedUntil: Date, lockedUntil: Date): Promise<boolean> {
    const { count } = await this.db.idempotencyKey.updateMany({
      where: { callerId, key, state: 'IN_PROGRESS', lockedUntil: seenLockedUntil },
      data: { lockedUntil },
    });
    return count === 1;
  }

  /** End the lease now, so a retry with the same key may resume at once. */
  async releaseLease(callerId: string, key: string): Promise<void> {
    await this.db.idempotencyKey.updateMany({
      where: { callerId, key, state: 'IN_PROGRESS' },
      data: { lockedUntil: new Date() },
    });
  }

  // --- completions: outcome + ledger entry, in the caller's transaction ------------------------------

  private completeKey(client: Tx, callerId: string, key: string, response: RecordedResponse) {
    return client.idempotencyKey.update({
      where: { callerId_key: { callerId, key } },
      data: { state: 'COMPLETED', response: response as unknown as Prisma.InputJsonValue, completedAt: new Date() },
    });
  }

  async completeAuthorize(
    tx: Tx,
    entry: { callerId: string; key: string },
    paymentId: string,
    outcome: Pick<Prisma.PaymentUpdateInput, 'status' | 'providerReference' | 'failureCode' | 'authorizedAt'>,
    response: RecordedResponse,
  ): Promise<PaymentRecord> {
    const payment = await tx.payment.update({ where: { id: paymentId }, data: outcome });
    await this.completeKey(tx, entry.callerId, entry.key, response);
    return payment;
  }

  /** Only an AUTHORIZED payment becomes CAPTURED (a concurrent capture under another key changes nothing). */
  async completeCapture(
    tx: Tx,
    entry: { callerId: string; key: string },
    paymentId: string,
    amount: number,
  ): Promise<void> {
    await tx.payment.updateMany({
      where: { id: paymentId, status: 'AUTHORIZED' },
      data: { status: 'CAPTURED', capturedAmount: amount, capturedAt: new Date() },
    });
    await this.completeKey(tx, entry.callerId, entry.key, { paymentId });
  }

  async completeRefund(
    tx: Tx,
    entry: { callerId: string; key: string },
    refund: RefundRecord,
    outcome: { succeeded: true; reference: string } | { succeeded: false; response: RecordedResponse },
  ): Promise<void> {
    if (outcome.succeeded) {
      await tx.refund.update({
        where: { id: refund.id },
        data: { status: 'SUCCEEDED', providerReference: outcome.reference, completedAt: new Date() },
      });
      await tx.$executeRaw`
        UPDATE payments SET updated_at = now(), status = (CASE WHEN refunded_amount >= captured_amount
          THEN 'REFUNDED' ELSE 'PARTIALLY_REFUNDED' END)::payment_status
        WHERE id = ${refund.paymentId}::uuid`;
      await this.completeKey(tx, entry.callerId, entry.key, { paymentId: refund.paymentId });
      return;
    }
    await tx.refund.update({ where: { id: refund.id }, data: { status: 'FAILED', completedAt: new Date() } });
    await tx.$executeRaw`
      UPDATE payments SET refunded_amount = refunded_amount - ${refund.amount}, updated_at = now()
      WHERE id = ${refund.paymentId}::uuid`;
    await this.completeKey(tx, entry.callerId, entry.key, outcome.response);
  }

  /** Record a refused operation (the processor said no) under its key, changing nothing else. */
  async completeWithError(entry: { callerId: string; key: string }, response: RecordedResponse): Promise<void> {
    await this.completeKey(this.db, entry.callerId, entry.key, response);
  }

  findRefund(id: string): Promise<RefundRecord | null> {
    return this.db.refund.findUnique({ where: { id } });
  }
}
