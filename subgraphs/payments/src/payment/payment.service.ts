import { createHash, type KeyObject } from 'node:crypto';
import {
  AppError,
  badUserInput,
  conflict,
  ErrorCode,
  type Identity,
  type Logger,
  mayActFor,
  notFound,
  parseInput,
  requireStaff,
  requireUser,
  verifyCheckoutToken,
} from '@polystore/platform';
import { ProcessorError, withDeadline, type CardProcessor } from '../processor/card-processor';
import { authorizeInput, captureInput, id, refundInput } from './payment.inputs';
import {
  ClaimRefused,
  type ClaimRefs,
  type KeyClaim,
  type Operation,
  type PaymentRecord,
  type PaymentRepository,
  type RecordedResponse,
} from './payment.repository';

/** An order as payments sees it through federation: its id and, when required, its customer. */
export interface OrderRef {
  id: string;
  customer?: { id: string } | null;
}

interface Idempotent {
  operation: Operation;
  callerId: string;
  key: string;
  /** The request's parameters (never a card number or CVC); a repeat must send the same. */
  request: unknown[];
  /** Checks that need the store; they run only before a key is claimed, and write nothing. */
  precheck(): Promise<void>;
  /** Claim the key and start the work, in one transaction; null when someone claimed it first. */
  claim(claim: KeyClaim): Promise<ClaimRefs | null>;
  /** Call the processor and record the outcome with the key; may be resumed after a crash or a timeout. */
  run(refs: ClaimRefs, entry: { callerId: string; key: string }): Promise<PaymentRecord>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Charges and refunds, each under an idempotency key (docs/adr/0006):
 * - the first request with a key claims it in the ledger and does the work;
 * - a repeat of the same request replays the recorded outcome, never charging twice; while the
 *   first is still running, the repeat waits for it;
 * - another request under a used key is a CONFLICT;
 * - a claim whose request died is resumed after its lease, with the same processor idempotency key.
 */
export class PaymentService {
  private readonly leaseMs: number;

  constructor(
    private readonly payments: PaymentRepository,
    private readonly processor: CardProcessor,
    private readonly options: {
      currency: string;
      processorTimeoutMs: number;
      checkoutKey: KeyObject;
      logger: Logger;
    },
  ) {
    this.leaseMs = options.processorTimeoutMs * 2 + 5000;
  }

  async byId(viewer: Identity, rawId: unknown, load: (id: string) => Promise<PaymentRecord | null>) {
    requireUser(viewer);
    const paymentId = parseInput(id, rawId, 'id');
    const payment = await load(paymentId);
    if (!payment || !mayActFor(viewer, payment.customerId)) throw notFound('Payment', paymentId);
    return payment;
  }

  async authorize(viewer: Identity, raw: unknown): Promise<PaymentRecord> {
    const callerId = requireUser(viewer);
    const input = parseInput(authorizeInput, raw);
    const claims = verifyCheckoutToken(this.options.checkoutKey, input.checkoutToken);
    if (!claims || claims.orderId !== input.orderId) {
      throw badUserInput('Invalid checkout token', [
        {
          field: 'input.checkoutToken',
          message: "is not this order's, or has expired: read Order.checkoutToken again",
        },
      ]);
    }
    // Someone else's order: answered like an order that does not exist.
    if (claims.customerId !== callerId) throw notFound('Order', input.orderId);
    if (claims.currency !== this.options.currency) {
      throw badUserInput(`Payments are taken in ${this.options.currency}`, [
        { field: 'input.checkoutToken', message: `the order is in ${claims.currency}` },
      ]);
    }
    const { card } = input;
    return this.idempotent({
      operation: 'authorize',
      callerId,
      key: input.idempotencyKey,
      request: [input.orderId, claims.amount, claims.currency, card.brand, card.last4, card.expMonth, card.expYear],
      precheck: async () => undefined,
      claim: async (claim) => {
        try {
          const payment = await this.payments.claimAuthorize(claim, {
            orderId: input.orderId,
            customerId: callerId,
            amount: claims.amount,
            currency: claims.currency,
            cardBrand: card.brand,
            cardLast4: card.last4,
            cardExpMonth: card.expMonth,
            cardExpYear: card.expYear,
            processor: this.processor.name,
          });
          return payment && { paymentId: payment.id };
        } catch (error) {
          if (error instanceof ClaimRefused) {
            throw conflict('This order already has a payment', { field: 'input.orderId', reason: error.reason });
          }
          throw error;
        }
      },
      run: async ({ paymentId }, entry) => {
        const payment = (await this.payments.find(paymentId))!;
        if (payment.status !== 'PENDING') return payment;
        try {
          const result = await withDeadline(this.options.processorTimeoutMs, (signal) =>
            this.processor.authorize(
              // The payment's id is the processor's idempotency key: a resumed attempt never holds twice.
              { idempotencyKey: payment.id, amount: payment.amount, currency: payment.currency, card },
              signal,
            ),
          );
          if (result.approved) {
            return await this.payments.completeAuthorize(
              entry,
              payment.id,
              { status: 'AUTHORIZED', providerReference: result.reference, authorizedAt: new Date() },
              { paymentId },
            );
          }
          return await this.fail(entry, payment.id, 'DECLINED', result.reason, 'The card was declined');
        } catch (error) {
          if (!(error instanceof ProcessorError)) throw error;
          // No answer, or a failure mid-call: the outcome is unknown and a hold may exist. Cancel
          // whatever this attempt did, then end it.
          await withDeadline(this.options.processorTimeoutMs, (signal) =>
            this.processor.cancel({ idempotencyKey: payment.id }, signal),
          ).catch((cancelError: unknown) =>
            this.options.logger.error(
              { err: cancelError, paymentId },
              'could not cancel an authorization attempt: reconcile with the processor',
            ),
          );
          if (error.kind === 'TIMEOUT') {
            return await this.fail(
              entry,
              payment.id,
              'FAILED',
              'PROCESSOR_TIMEOUT',
              'The card processor did not answer in time; nothing was charged. Pay again with a new idempotency key',
            );
          }
          return await this.fail(
            entry,
            payment.id,
            'FAILED',
            'PROCESSOR_ERROR',
            'The card processor failed; nothing was charged. Pay again with a new idempotency key',
          );
        }
      },
    });
  }

  async capture(viewer: Identity, raw: unknown): Promise<PaymentRecord> {
    const callerId = requireStaff(viewer, 'Only staff can capture or refund payments');
    const input = parseInput(captureInput, raw);
    return this.idempotent({
      operation: 'capture',
      callerId,
      key: input.idempotencyKey,
      request: [input.paymentId],
      precheck: async () => {
        const payment = await this.payments.find(input.paymentId);
        if (!payment) throw notFound('Payment', input.paymentId);
        if (payment.status !== 'AUTHORIZED') {
          throw conflict(`Only an AUTHORIZED payment can be captured; this one is ${payment.status}`, {
            status: payment.status,
          });
        }
      },
      claim: async (claim) =>
        (await this.payments.claimCapture(claim, input.paymentId)) ? { paymentId: input.paymentId } : null,
      run: async ({ paymentId }, entry) => {
        const payment = (await this.payments.find(paymentId))!;
        try {
          await withDeadline(this.options.processorTimeoutMs, (signal) =>
            this.processor.capture(
              {
                idempotencyKey: `${payment.id}:capture`,
                reference: payment.providerReference!,
                amount: payment.amount,
                currency: payment.currency,
              },
              signal,
            ),
          );
        } catch (error) {
          if (!(error instanceof ProcessorError)) throw error;
          return this.processorTrouble(entry, paymentId, error, 'capture');
        }
        await this.payments.completeCapture(entry, paymentId, payment.amount);
        return (await this.payments.find(paymentId))!;
      },
    });
  }

  async refund(viewer: Identity, raw: unknown): Promise<PaymentRecord> {
    const callerId = requireStaff(viewer, 'Only staff can capture or refund payments');
    const input = parseInput(refundInput, raw);
    let amount = 0;
    return this.idempotent({
      operation: 'refund',
      callerId,
      key: input.idempotencyKey,
      // As given (a missing amount stays missing): a repeat must match even after the refund.
      request: [input.paymentId, input.amount?.amount ?? null, input.amount?.currency ?? null, input.reason ?? null],
      precheck: async () => {
        const payment = await this.payments.find(input.paymentId);
        if (!payment) throw notFound('Payment', input.paymentId);
        if (payment.status !== 'CAPTURED' && payment.status !== 'PARTIALLY_REFUNDED') {
          throw conflict(`Only a captured payment can be refunded; this one is ${payment.status}`, {
            status: payment.status,
          });
        }
        if (input.amount && input.amount.currency !== payment.currency) {
          throw badUserInput(`The payment is in ${payment.currency}`, [
            { field: 'input.amount.currency', message: `must be ${payment.currency}` },
          ]);
        }
        const left = payment.capturedAmount - payment.refundedAmount;
        if (left <= 0) throw conflict('Nothing is left to refund on this payment');
        amount = input.amount?.amount ?? left;
        if (amount > left) {
          throw badUserInput(`At most ${left} is left to refund`, [
            { field: 'input.amount.amount', message: `must be at most ${left}` },
          ]);
        }
      },
      claim: async (claim) => {
        try {
          const refund = await this.payments.claimRefund(claim, {
            paymentId: input.paymentId,
            amount,
            reason: input.reason ?? null,
          });
          return refund && { paymentId: input.paymentId, refundId: refund.id };
        } catch (error) {
          if (error instanceof ClaimRefused) throw conflict('The amount exceeds what is left to refund');
          throw error;
        }
      },
      run: async ({ paymentId, refundId }, entry) => {
        const payment = (await this.payments.find(paymentId))!;
        const refund = (await this.payments.findRefund(refundId!))!;
        if (refund.status !== 'PENDING') return payment;
        let reference: string;
        try {
          ({ reference } = await withDeadline(this.options.processorTimeoutMs, (signal) =>
            this.processor.refund(
              {
                idempotencyKey: refund.id,
                reference: payment.providerReference!,
                amount: refund.amount,
                currency: payment.currency,
              },
              signal,
            ),
          ));
        } catch (error) {
          if (!(error instanceof ProcessorError)) throw error;
          if (error.kind === 'REJECTED') {
            const refused = conflict(`The processor refused the refund: ${error.message}`);
            await this.payments.completeRefund(entry, refund, {
              succeeded: false,
              response: { paymentId, error: serialize(refused) },
            });
            throw refused;
          }
          return this.processorTrouble(entry, paymentId, error, 'refund');
        }
        await this.payments.completeRefund(entry, refund, { succeeded: true, reference });
        return (await this.payments.find(paymentId))!;
      },
    });
  }

  /** End an authorization attempt without a charge: the payment, the ledger entry and the error, together. */
  private async fail(
    entry: { callerId: string; key: string },
    paymentId: string,
    status: 'DECLINED' | 'FAILED',
    reason: string,
    message: string,
  ): Promise<never> {
    const error = new AppError(ErrorCode.PAYMENT_DECLINED, message, { paymentId, reason });
    await this.payments.completeAuthorize(
      entry,
      paymentId,
      { status, failureCode: reason },
      { paymentId, error: serialize(error) },
    );
    throw error;
  }

  /**
   * The processor did not answer a capture or refund (or failed): its outcome is unknown, so the
   * work stays claimed and a retry with the same key resumes it with the same processor key. A
   * refusal is recorded and replayed.
   */
  private async processorTrouble(
    entry: { callerId: string; key: string },
    paymentId: string,
    error: ProcessorError,
    what: string,
  ): Promise<never> {
    if (error.kind === 'REJECTED') {
      const refused = conflict(`The processor refused the ${what}: ${error.message}`);
      await this.payments.completeWithError(entry, { paymentId, error: serialize(refused) });
      throw refused;
    }
    await this.payments.releaseLease(entry.callerId, entry.key);
    throw new AppError(
      ErrorCode.SERVICE_UNAVAILABLE,
      `The card processor did not answer the ${what}; retry with the same idempotency key`,
      { paymentId },
    );
  }

  private async idempotent(op: Idempotent): Promise<PaymentRecord> {
    const entry = { callerId: op.callerId, key: op.key };
    const requestHash = createHash('sha256')
      .update(JSON.stringify([op.operation, ...op.request]))
      .digest('hex');
    const waitUntil = Date.now() + this.leaseMs;
    for (;;) {
      const existing = await this.payments.findKey(op.callerId, op.key);
      if (!existing) {
        await op.precheck();
        const refs = await op.claim({ ...entry, operation: op.operation, requestHash, lockedUntil: this.lease() });
        if (refs) return this.runClaimed(op, refs, entry);
        continue; // claimed by a parallel request in between: handle it as a repeat
      }
      if (existing.operation !== op.operation || existing.requestHash !== requestHash) {
        throw conflict('This idempotency key was used for a different request; use a new key', {
          field: 'input.idempotencyKey',
        });
      }
      if (existing.state === 'COMPLETED') return this.replay(existing.response as unknown as RecordedResponse);
      if (existing.lockedUntil.getTime() > Date.now()) {
        if (Date.now() > waitUntil) {
          throw conflict('A request with this idempotency key is still in progress; retry later', {
            reason: 'IN_PROGRESS',
          });
        }
        await sleep(25);
        continue;
      }
      if (await this.payments.takeOver(op.callerId, op.key, existing.lockedUntil, this.lease())) {
        this.options.logger.warn(
          { operation: op.operation, paymentId: existing.paymentId },
          'resuming a claimed request',
        );
        return this.runClaimed(op, { paymentId: existing.paymentId!, refundId: existing.refundId }, entry);
      }
    }
  }

  private async runClaimed(op: Idempotent, refs: ClaimRefs, entry: { callerId: string; key: string }) {
    try {
      return await op.run(refs, entry);
    } catch (error) {
      // Anything not recorded (a bug, the database gone): let a retry resume at once.
      if (!(error instanceof AppError)) {
        await this.payments.releaseLease(entry.callerId, entry.key).catch(() => undefined);
      }
      throw error;
    }
  }

  private async replay(response: RecordedResponse): Promise<PaymentRecord> {
    if (response.error)
      throw new AppError(response.error.code as ErrorCode, response.error.message, response.error.extensions);
    return (await this.payments.find(response.paymentId))!;
  }

  private lease(): Date {
    return new Date(Date.now() + this.leaseMs);
  }
}

function serialize(error: AppError): NonNullable<RecordedResponse['error']> {
  const { code, ...extensions } = error.extensions as Record<string, unknown>;
  return { code: String(code), message: error.message, extensions };
}
