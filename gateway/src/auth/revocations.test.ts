import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { createMetrics, createRedis } from '@polystore/platform';
import { Revocations } from './revocations';

const S1 = '00000000-0000-4000-8000-000000000001';
const S2 = '00000000-0000-4000-8000-000000000002';

describe('the revocation list', () => {
  it('without Redis (development) is this process’s: what it recorded is refused, the rest valid', async () => {
    const revocations = new Revocations(undefined);
    await revocations.record([{ sessionId: S1, at: 1_000 }]);
    expect(await revocations.check(S1, 999)).toBe('revoked');
    expect(await revocations.check(S1, 1_001)).toBe('valid'); // a session created after it
    expect(await revocations.check(S2, 0)).toBe('valid');
    expect(await revocations.answers(S2)).toBe(true);
  });

  it('with its Redis down: what this process recorded is still refused, anything else is unknown, nothing throws', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const redis = createRedis(`redis://127.0.0.1:${port}`, createMetrics('test'));
    redis.on('error', () => undefined);
    await redis.connect().catch(() => undefined);
    const unavailable: string[] = [];
    const revocations = new Revocations(redis, { onUnavailable: (action) => unavailable.push(action) });

    await revocations.record([{ sessionId: S1, at: 1_000 }]);
    expect(await revocations.check(S1, 500)).toBe('revoked');
    expect(await revocations.check(S2, 500)).toBe('unknown');
    expect(await revocations.answers(S2)).toBe(false);
    expect(unavailable).toEqual(['write', 'read', 'read']);
    redis.disconnect();
  });
});
