import { ProcessorError, withDeadline } from './card-processor';
import { SimulatedProcessor, TEST_CARDS } from './simulated-processor';

const card = (number: string) => ({ number, expMonth: 12, expYear: 2099, cvc: '123' });
const request = (key: string, number: string, amount = 1000) => ({
  idempotencyKey: key,
  amount,
  currency: 'EUR',
  card: card(number),
});
const signal = () => AbortSignal.timeout(1000);

describe('the simulated processor', () => {
  it('answers by test card', async () => {
    const p = new SimulatedProcessor();
    await expect(p.authorize(request('a', TEST_CARDS.SUCCESS), signal())).resolves.toMatchObject({ approved: true });
    await expect(p.authorize(request('b', TEST_CARDS.SUCCESS_MASTERCARD), signal())).resolves.toMatchObject({
      approved: true,
    });
    await expect(p.authorize(request('c', TEST_CARDS.DECLINED), signal())).resolves.toEqual({
      approved: false,
      reason: 'CARD_DECLINED',
    });
    await expect(p.authorize(request('d', TEST_CARDS.INSUFFICIENT_FUNDS), signal())).resolves.toEqual({
      approved: false,
      reason: 'INSUFFICIENT_FUNDS',
    });
    await expect(p.authorize(request('e', TEST_CARDS.PROCESSOR_ERROR), signal())).rejects.toMatchObject({
      kind: 'ERROR',
    });
    expect(p.holds().map((h) => h.last4)).toEqual(['4242', '4444']);
  });

  it('holds once per idempotency key, whatever the number of calls', async () => {
    const p = new SimulatedProcessor();
    const first = await p.authorize(request('same', TEST_CARDS.SUCCESS), signal());
    const again = await p.authorize(request('same', TEST_CARDS.SUCCESS), signal());
    expect(again).toEqual(first);
    expect(p.holds()).toHaveLength(1);
    expect(p.authorizeCalls).toBe(2);
  });

  it('places the hold for the timeout card, never answers, and cancels it on request', async () => {
    const p = new SimulatedProcessor();
    const started = Date.now();
    await expect(withDeadline(100, (s) => p.authorize(request('slow', TEST_CARDS.TIMEOUT), s))).rejects.toMatchObject({
      kind: 'TIMEOUT',
    });
    expect(Date.now() - started).toBeLessThan(1000);
    expect(p.holds()).toMatchObject([{ idempotencyKey: 'slow', status: 'AUTHORIZED' }]);
    await p.cancel({ idempotencyKey: 'slow' }, signal());
    expect(p.holds()).toMatchObject([{ idempotencyKey: 'slow', status: 'CANCELLED' }]);
  });

  it('captures at most the hold and refunds at most the capture, each once per key', async () => {
    const p = new SimulatedProcessor();
    const auth = await p.authorize(request('k', TEST_CARDS.SUCCESS, 1000), signal());
    if (!auth.approved) throw new Error('expected approval');
    const ref = { reference: auth.reference, currency: 'EUR' };
    await expect(p.capture({ ...ref, idempotencyKey: 'c0', amount: 1001 }, signal())).rejects.toBeInstanceOf(
      ProcessorError,
    );
    const capture = await p.capture({ ...ref, idempotencyKey: 'c1', amount: 1000 }, signal());
    expect(await p.capture({ ...ref, idempotencyKey: 'c1', amount: 1000 }, signal())).toEqual(capture);
    await p.refund({ ...ref, idempotencyKey: 'r1', amount: 600 }, signal());
    await p.refund({ ...ref, idempotencyKey: 'r1', amount: 600 }, signal());
    await expect(p.refund({ ...ref, idempotencyKey: 'r2', amount: 500 }, signal())).rejects.toMatchObject({
      kind: 'REJECTED',
    });
    expect(p.holds()).toMatchObject([{ status: 'CAPTURED', captured: 1000, refunded: 600 }]);
  });
});
