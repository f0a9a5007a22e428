/**
 * A card processor (acquirer / payment gateway) behind one interface, so another provider can be
 * plugged in beside the simulated one (docs/adr/0006). The full card number and CVC pass through
 * here to the processor and nowhere else: payments stores only brand, last 4 digits and expiry.
 *
 * Every call carries an idempotency key, and a processor must honour it: the same key returns the
 * first call's result and never holds, captures or refunds twice. Payments retries with the same
 * key after a timeout or a crash, which is safe only because of this.
 */
export interface CardDetails {
  number: string;
  expMonth: number;
  expYear: number;
  cvc: string;
}

export type DeclineReason = 'CARD_DECLINED' | 'INSUFFICIENT_FUNDS';

export type AuthorizeResult = { approved: true; reference: string } | { approved: false; reason: DeclineReason };

export interface ChargeRequest {
  idempotencyKey: string;
  amount: number;
  currency: string;
}

export interface CardProcessor {
  /** Stored with each payment (`simulated`, ...). */
  readonly name: string;
  /** Hold the amount on the card. */
  authorize(request: ChargeRequest & { card: CardDetails }, signal: AbortSignal): Promise<AuthorizeResult>;
  /** Take the held amount (in full). */
  capture(request: ChargeRequest & { reference: string }, signal: AbortSignal): Promise<{ reference: string }>;
  /** Give back part or all of a captured amount. */
  refund(request: ChargeRequest & { reference: string }, signal: AbortSignal): Promise<{ reference: string }>;
  /** Release whatever an authorize with this key did, if it did anything: after a timeout. */
  cancel(request: { idempotencyKey: string }, signal: AbortSignal): Promise<void>;
}

/**
 * A call that did not get an answer: TIMEOUT (no answer in time: the outcome is unknown), ERROR
 * (the processor failed), REJECTED (it refused the operation, e.g. more than is left to refund).
 */
export class ProcessorError extends Error {
  constructor(
    readonly kind: 'TIMEOUT' | 'ERROR' | 'REJECTED',
    message: string,
  ) {
    super(message);
    this.name = 'ProcessorError';
  }
}

/** Call the processor with a deadline; a missed deadline (or an abort) is a TIMEOUT. */
export async function withDeadline<T>(timeoutMs: number, call: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    return await call(signal);
  } catch (error) {
    if (error instanceof ProcessorError) throw error;
    if (signal.aborted) throw new ProcessorError('TIMEOUT', `no answer within ${timeoutMs} ms`);
    throw new ProcessorError('ERROR', (error as Error).message);
  }
}
