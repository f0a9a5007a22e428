import { randomUUID } from 'node:crypto';
import {
  ProcessorError,
  type AuthorizeResult,
  type CardDetails,
  type CardProcessor,
  type ChargeRequest,
} from './card-processor';

/**
 * The simulated processor's test cards (any future expiry, any CVC of the right length). Any other
 * valid card number is approved. Documented in README.md and docs/adr/0006.
 */
export const TEST_CARDS = {
  /** Visa: approved. */
  SUCCESS: '4242424242424242',
  /** Mastercard: approved. */
  SUCCESS_MASTERCARD: '5555555555554444',
  /** Declined: CARD_DECLINED. */
  DECLINED: '4000000000000002',
  /** Declined: INSUFFICIENT_FUNDS. */
  INSUFFICIENT_FUNDS: '4000000000009995',
  /** The processor places the hold but never answers: the call times out. */
  TIMEOUT: '4000000000000408',
  /** The processor fails with an error; nothing is held. */
  PROCESSOR_ERROR: '4000000000000119',
} as const;

/** A hold as the simulated processor keeps it (in memory: a restart forgets everything). */
export interface SimulatedAuthorization {
  reference: string;
  idempotencyKey: string;
  amount: number;
  currency: string;
  last4: string;
  status: 'AUTHORIZED' | 'CAPTURED' | 'CANCELLED';
  captured: number;
  refunded: number;
}

/**
 * A card processor in process, for development and tests: it behaves as the CardProcessor contract
 * says (idempotent per key, amounts checked, cancel after a timeout) and answers by test card.
 */
export class SimulatedProcessor implements CardProcessor {
  readonly name = 'simulated';
  /** Extra time every call takes, to let tests overlap requests. */
  latencyMs = 0;
  /** How many authorize calls arrived, repeats included. */
  authorizeCalls = 0;
  private readonly authorizations = new Map<string, SimulatedAuthorization>();
  private readonly byKey = new Map<string, AuthorizeResult>();
  private readonly operations = new Map<string, { reference: string }>();

  /** Every hold placed so far (copies). */
  holds(): SimulatedAuthorization[] {
    return [...this.authorizations.values()].map((a) => ({ ...a }));
  }

  async authorize(request: ChargeRequest & { card: CardDetails }, signal: AbortSignal): Promise<AuthorizeResult> {
    this.authorizeCalls++;
    await this.delay(signal);
    const earlier = this.byKey.get(request.idempotencyKey);
    if (earlier) return earlier;
    const number = request.card.number;
    if (number === TEST_CARDS.PROCESSOR_ERROR) throw new ProcessorError('ERROR', 'simulated processor error');
    if (number === TEST_CARDS.DECLINED || number === TEST_CARDS.INSUFFICIENT_FUNDS) {
      const result: AuthorizeResult = {
        approved: false,
        reason: number === TEST_CARDS.DECLINED ? 'CARD_DECLINED' : 'INSUFFICIENT_FUNDS',
      };
      this.byKey.set(request.idempotencyKey, result);
      return result;
    }
    const authorization = this.hold(request, number.slice(-4));
    if (number === TEST_CARDS.TIMEOUT) {
      // The worst case: the money is held, but the answer never arrives.
      await new Promise((_resolve, reject) => {
        const timer = setTimeout(() => reject(new ProcessorError('TIMEOUT', 'simulated hang')), 60_000);
        signal.addEventListener('abort', () => {
          clearTimeout(timer);
          reject(new ProcessorError('TIMEOUT', 'simulated hang'));
        });
      });
    }
    const result: AuthorizeResult = { approved: true, reference: authorization.reference };
    this.byKey.set(request.idempotencyKey, result);
    return result;
  }

  async capture(request: ChargeRequest & { reference: string }, signal: AbortSignal): Promise<{ reference: string }> {
    await this.delay(signal);
    return this.once(request.idempotencyKey, () => {
      const a = this.authorization(request.reference);
      if (a.status !== 'AUTHORIZED') throw new ProcessorError('REJECTED', `authorization is ${a.status}`);
      if (request.amount > a.amount || request.currency !== a.currency) {
        throw new ProcessorError('REJECTED', 'capture exceeds the authorization');
      }
      a.status = 'CAPTURED';
      a.captured = request.amount;
    });
  }

  async refund(request: ChargeRequest & { reference: string }, signal: AbortSignal): Promise<{ reference: string }> {
    await this.delay(signal);
    return this.once(request.idempotencyKey, () => {
      const a = this.authorization(request.reference);
      if (a.status !== 'CAPTURED') throw new ProcessorError('REJECTED', `authorization is ${a.status}`);
      if (request.amount > a.captured - a.refunded || request.currency !== a.currency) {
        throw new ProcessorError('REJECTED', 'refund exceeds what is left');
      }
      a.refunded += request.amount;
    });
  }

  async cancel(request: { idempotencyKey: string }, signal: AbortSignal): Promise<void> {
    await this.delay(signal);
    for (const a of this.authorizations.values()) {
      if (a.idempotencyKey === request.idempotencyKey && a.status === 'AUTHORIZED') a.status = 'CANCELLED';
    }
  }

  private hold(request: ChargeRequest, last4: string): SimulatedAuthorization {
    const existing = [...this.authorizations.values()].find((a) => a.idempotencyKey === request.idempotencyKey);
    if (existing) return existing;
    const authorization: SimulatedAuthorization = {
      reference: `sim_auth_${randomUUID()}`,
      idempotencyKey: request.idempotencyKey,
      amount: request.amount,
      currency: request.currency,
      last4,
      status: 'AUTHORIZED',
      captured: 0,
      refunded: 0,
    };
    this.authorizations.set(authorization.reference, authorization);
    return authorization;
  }

  private authorization(reference: string): SimulatedAuthorization {
    const a = this.authorizations.get(reference);
    if (!a) throw new ProcessorError('REJECTED', `no authorization ${reference}`);
    return a;
  }

  private once(key: string, apply: () => void): { reference: string } {
    const earlier = this.operations.get(key);
    if (earlier) return earlier;
    apply();
    const result = { reference: `sim_op_${randomUUID()}` };
    this.operations.set(key, result);
    return result;
  }

  private async delay(signal: AbortSignal): Promise<void> {
    if (!this.latencyMs) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(resolve, this.latencyMs);
      signal.addEventListener('abort', () => {
        clearTimeout(timer);
        reject(new ProcessorError('TIMEOUT', 'aborted'));
      });
    });
  }
}
