import { Registry } from 'prom-client';
import { counterValue, histogramTotals } from '@polystore/platform';
import { verifyPassword } from './password';
import { PasswordHasher, PasswordHasherBusy, RECENT_MS, type PasswordHasherOptions } from './password-hasher';

// The hasher's own worker threads (real ones, running password.ts): results, and the bound.
let hasher: PasswordHasher | undefined;
let registry: Registry;

/**
 * A hasher with one thread and four waiting, time budgets too long to refuse anything, and the
 * whole pool open to sign-ups (`hashShare: 1`); each test sets what it is about.
 */
const start = (options: Partial<PasswordHasherOptions>) =>
  new PasswordHasher({
    threads: 1,
    maxQueue: 4,
    maxWaitMs: 60_000,
    timeoutMs: 60_000,
    hashShare: 1,
    registry,
    ...options,
  });

beforeEach(() => {
  registry = new Registry();
});
afterEach(async () => {
  await hasher?.close();
  hasher = undefined;
});

const gauge = async (name: string) => (await registry.getSingleMetric(name)!.get()).values[0]!.value;
/** password_hash_in_flight by operation: hashes in the pool, running or waiting. */
const inFlight = async () =>
  Object.fromEntries(
    (await registry.getSingleMetric('password_hash_in_flight')!.get()).values.map((v) => [
      v.labels['operation'],
      v.value,
    ]),
  );

describe('the password hasher', () => {
  it('hashes in its threads, in the stored format, and verifies only the right password', async () => {
    hasher = start({ threads: 2 });
    const [a, b] = await Promise.all([
      hasher.hash('correct horse battery', 14),
      hasher.hash('correct horse battery', 14),
    ]);
    expect(a).toMatch(/^scrypt\$14\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    expect(a).not.toBe(b);
    expect(await verifyPassword('correct horse battery', a)).toBe(true); // the same format as the seed's
    expect(await hasher.verify('correct horse battery', a)).toBe(true);
    expect(await hasher.verify('correct horse batterY', a)).toBe(false);
    expect(await hasher.verify('anything', 'scrypt$14$8$1$only-salt')).toBe(false);
    expect((await histogramTotals(registry, 'password_hash_duration_seconds', { operation: 'hash' })).count).toBe(2);
  });

  it('refuses at once, with RATE_LIMITED and a wait, what exceeds its threads and queue', async () => {
    hasher = start({ maxQueue: 2 });
    await hasher.hash('warm up the thread', 14);
    const results = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => hasher!.hash(`password ${i}`, 14)));
    const refused = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
    // one running and two waiting when the ten arrive together: the other seven are refused
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(3);
    expect(refused).toHaveLength(7);
    for (const error of refused) {
      expect(error).toBeInstanceOf(PasswordHasherBusy);
      expect((error as PasswordHasherBusy).extensions).toMatchObject({ code: 'RATE_LIMITED' });
      expect((error as PasswordHasherBusy).extensions['retryAfterSeconds']).toBeGreaterThanOrEqual(1);
    }
    expect(
      await counterValue(registry, 'password_hash_refused_total', { operation: 'hash', reason: 'queue_full' }),
    ).toBe(7);
    expect(await gauge('password_hash_queue_depth')).toBe(0);
  });

  it('refuses, however short its queue, what would wait past its time budget at the recent hash time', async () => {
    // 2^16 takes well over 50 ms: behind one running hash, a newcomer would be answered after
    // two hash times, past the 100 ms budget. An idle thread always takes a hash.
    hasher = start({ maxQueue: 100, maxWaitMs: 100 });
    await hasher.hash('measure the hash time', 16);
    const results = await Promise.allSettled(Array.from({ length: 5 }, (_, i) => hasher!.hash(`password ${i}`, 16)));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'rejected', 'rejected']);
    expect(await counterValue(registry, 'password_hash_refused_total', { operation: 'hash', reason: 'slow' })).toBe(4);
    expect(await hasher.hash('idle again', 16)).toMatch(/^scrypt\$16\$/);
  });

  it('stops and refuses a hash that outlasts its deadline, and goes on with a fresh thread', async () => {
    // 2^18 takes far longer than 50 ms anywhere; the budget check cannot know (no hash measured yet)
    hasher = start({ timeoutMs: 50 });
    const [running, waiting] = await Promise.allSettled([hasher.hash('too slow', 18), hasher.hash('behind it', 18)]);
    for (const result of [running, waiting]) {
      expect(result.status).toBe('rejected');
      expect((result as PromiseRejectedResult).reason).toBeInstanceOf(PasswordHasherBusy);
    }
    expect(await counterValue(registry, 'password_hash_refused_total', { reason: 'timeout' })).toBe(2);
    await hasher.close();
    hasher = start({ timeoutMs: 10_000, registry: new Registry() });
    expect(await hasher.hash('after the deadline', 14)).toMatch(/^scrypt\$14\$/);
  });

  it('keeps a share of its slots for sign-ins: one is taken and answered while sign-ups fill theirs', async () => {
    // one thread and three waiting: new hashes (sign-ups) may hold half of those four slots,
    // checks of a password (sign-ins) all of them
    hasher = start({ maxQueue: 3, hashShare: 0.5 });
    const stored = await hasher.hash('correct horse battery', 14);
    const signUps = Array.from({ length: 6 }, (_, i) => hasher!.hash(`password ${i}`, 14));
    const signIns = Array.from({ length: 3 }, () => hasher!.verify('correct horse battery', stored));
    expect(await inFlight()).toEqual({ hash: 2, verify: 2 });
    const [ups, ins] = await Promise.all([Promise.allSettled(signUps), Promise.allSettled(signIns)]);
    expect(ups.map((r) => r.status)).toEqual([
      'fulfilled',
      'fulfilled',
      'rejected',
      'rejected',
      'rejected',
      'rejected',
    ]);
    expect(
      await counterValue(registry, 'password_hash_refused_total', { operation: 'hash', reason: 'queue_full' }),
    ).toBe(4);
    // the two other slots are the sign-ins': both answered; a third finds the whole pool full
    expect(ins.slice(0, 2)).toEqual([
      { status: 'fulfilled', value: true },
      { status: 'fulfilled', value: true },
    ]);
    expect(ins[2]).toMatchObject({ status: 'rejected', reason: expect.any(PasswordHasherBusy) });
    expect(
      await counterValue(registry, 'password_hash_refused_total', { operation: 'verify', reason: 'queue_full' }),
    ).toBe(1);
    expect(await inFlight()).toEqual({ hash: 0, verify: 0 });
  });

  it('accepts a sign-up share only above 0 and at most 1', () => {
    for (const hashShare of [0, -0.5, 1.5, Number.NaN]) {
      expect(() => start({ hashShare })).toThrow(RangeError);
    }
  });

  it('keeps a share of its wait budget for sign-ins: they wait, or take an idle thread, where crowding sign-ups are refused', async () => {
    // Slots are plenty (a share of 0.001 of 10,001 is 10), but sign-ups may wait only 0.001 of the
    // 60 s budget: 60 ms, less than one 2^16 hash (well over 50 ms). A sign-in may wait 60 s.
    hasher = start({ maxQueue: 10_000, hashShare: 0.001 });
    const stored = await hasher.hash('measure the hash time', 16); // nothing measured yet: taken
    const running = hasher.verify('measure the hash time', stored);
    const [behind, signIn] = await Promise.allSettled([
      hasher.hash('would wait past its share', 16),
      hasher.verify('measure the hash time', stored),
    ]);
    expect(behind).toMatchObject({ status: 'rejected', reason: expect.any(PasswordHasherBusy) });
    expect(signIn).toEqual({ status: 'fulfilled', value: true });
    expect(await running).toBe(true);
    // sign-ups are crowding in (one was just refused): the idle thread is the sign-ins'
    await expect(hasher.hash('one hash outlasts its share', 16)).rejects.toBeInstanceOf(PasswordHasherBusy);
    expect(await hasher.verify('measure the hash time', stored)).toBe(true);
    expect(await counterValue(registry, 'password_hash_refused_total', { operation: 'hash', reason: 'slow' })).toBe(2);
    expect(await counterValue(registry, 'password_hash_refused_total', { operation: 'verify' })).toBe(0);
  });

  it('lets a lone sign-up take an idle thread, and a crowding one once the crowd or the estimate is old', async () => {
    // sign-ups' share: 0.001 of 60 s, less than one 2^16 hash
    let clock = 0;
    hasher = start({ hashShare: 0.001, now: () => clock });
    const stored = await hasher.hash('measure the hash time', 16);
    expect(await hasher.hash('no sign-up refused yet: a lone one', 16)).toMatch(/^scrypt\$16\$/);
    const running = hasher.verify('keep the thread busy', stored);
    await expect(hasher.hash('behind it, past its share', 16)).rejects.toBeInstanceOf(PasswordHasherBusy);
    await running; // the estimate is learnt at 0
    await expect(hasher.hash('crowding, at 0', 16)).rejects.toBeInstanceOf(PasswordHasherBusy);
    clock = RECENT_MS - 10_000;
    await expect(hasher.hash('still crowding, the estimate still recent', 16)).rejects.toBeInstanceOf(
      PasswordHasherBusy,
    );
    clock = RECENT_MS + 5_000; // refused 15 s ago, but nothing measured for 35 s: this one measures
    expect(await hasher.hash('after a spell without hashes', 16)).toMatch(/^scrypt\$16\$/);
    clock = 3 * RECENT_MS; // measured again, but no sign-up refused for a while: a lone one again
    expect(await hasher.hash('the crowd has gone', 16)).toMatch(/^scrypt\$16\$/);
  });

  it('reports how many hashes wait for a thread', async () => {
    hasher = start({ maxQueue: 5 });
    await hasher.hash('warm up the thread', 14);
    const pending = Array.from({ length: 4 }, (_, i) =>
      hasher!.verify(`password ${i}`, 'scrypt$14$8$1$c2FsdA==$aGFzaA=='),
    );
    expect(await gauge('password_hash_queue_depth')).toBe(3);
    expect(await Promise.all(pending)).toEqual([false, false, false, false]);
    expect(await gauge('password_hash_queue_depth')).toBe(0);
  });
});
