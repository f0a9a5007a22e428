import path from 'node:path';
import { Piscina } from 'piscina';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { AppError, ErrorCode } from '@polystore/platform';
import { retryAfterSeconds } from '../rate-limited';
import type { HashTask, Timed, VerifyTask } from './password';

/**
 * The module the worker threads run (password.ts: hashTask, verifyTask). Built, it is password.js
 * beside this file; under the tests (which run the sources) it is password.ts, which Node loads by
 * stripping its types.
 */
const WORKER = path.join(__dirname, `password${path.extname(__filename)}`);

/** RATE_LIMITED: the pool is full (or would make it wait too long), so this hash was not started: nothing was done. */
export class PasswordHasherBusy extends AppError {
  constructor(waitMs: number) {
    const seconds = retryAfterSeconds(waitMs);
    super(ErrorCode.RATE_LIMITED, `Too many passwords are being checked at once; try again in ${seconds} s`, {
      retryAfterSeconds: seconds,
    });
  }
}

export interface PasswordHasherOptions {
  /** Worker threads hashing at once: each runs one scrypt at a time (CPU and 128 MiB at 2^17). */
  threads: number;
  /** Hashes that may wait for a thread; past this, `hash`/`verify` refuse at once. */
  maxQueue: number;
  /**
   * Refuse at once, too, a hash that would likely be answered later than this (the queue ahead at
   * the recent hash time): the count alone does not know how fast hashes run on a loaded machine.
   */
  maxWaitMs: number;
  /**
   * A hash not answered by then (waiting or running: its thread is stopped and replaced) is given
   * up and refused like the others. Below the gateway's deadline for accounts, so a sign-up is never
   * created after the gateway has told its client it timed out.
   */
  timeoutMs: number;
  /**
   * The fraction (0 < share ≤ 1) of the pool that new hashes (sign-ups) may use: of its slots
   * (`threads + maxQueue`, rounded down, at least one) and of `maxWaitMs`. Checks of a password
   * (sign-ins) may use all of both, so a burst of sign-ups cannot refuse existing users.
   */
  hashShare: number;
  registry?: Registry;
  /** The clock the age of the hash-time estimate is read on (ms); tests move it. */
  now?: () => number;
}

type Operation = 'hash' | 'verify';

/** Weight of the newest hash in the moving average of the time a thread spends on one. */
const SMOOTHING = 0.2;

/**
 * What happened within this long is recent: a refused sign-up (sign-ups are asking for more than
 * the hasher takes) and the hash-time estimate (it still describes the machine; only a hash that
 * runs can tell, and a store's sign-ins keep it far fresher).
 */
export const RECENT_MS = 30_000;

/**
 * Password hashing on its own bounded pool of worker threads (piscina): scrypt never runs on the
 * event loop nor on libuv's shared thread pool, at most `threads` run at once, at most `maxQueue`
 * wait, and none is queued that would likely finish after `maxWaitMs`; past that a caller is
 * refused at once with a wait estimate instead of queueing past the gateway's deadline. A hash
 * that still takes longer than `timeoutMs` (a machine slower than its recent past) is stopped
 * and refused the same way.
 *
 * Sign-ins keep a reserved share: new hashes (`hash`, sign-ups: anyone may ask for one) are
 * admitted only while fewer than `hashShare` of the slots hold one, and only if they would likely
 * be answered within `hashShare` of `maxWaitMs` — on an idle thread too while sign-ups are crowding
 * in (one was refused within RECENT_MS); checks (`verify`, sign-ins of existing users) may fill the
 * whole pool and wait the whole budget, and an idle thread always takes one. The queue stays first
 * come, first served, so a sign-in finds ahead of it at most that share of sign-ups, expected done
 * within that share of the budget: it is refused only when other sign-ins fill the rest. On a
 * machine so loaded that one hash outlasts the sign-ups' share, a flood of sign-ups is refused
 * and sign-ins keep the threads; a lone sign-up still takes an idle one. A
 * priority queue (piscina's `taskQueue`) would not give that: it orders tasks already admitted,
 * so sign-ups could still take every slot, and a sign-up admitted on its wait estimate could then
 * be overtaken past the hard deadline, refused late instead of at once.
 * See docs/adr/0008-sessions-and-tokens.md.
 */
export class PasswordHasher {
  private readonly pool: Piscina<HashTask | VerifyTask, Timed<string | boolean>>;
  /** Moving average of a thread's time per hash (ms); undefined until one has run. */
  private hashMs: number | undefined;
  /** When hashMs last learnt something, and when a sign-up was last refused (on `now`). */
  private learntAt = -Infinity;
  private signUpRefusedAt = -Infinity;
  private readonly now: () => number;
  /** Hashes handed to the pool and not finished (running or waiting), by operation. */
  private readonly inFlight: Record<Operation, number> = { hash: 0, verify: 0 };
  /** How many new hashes (sign-ups) may be in the pool at once: their share of its slots. */
  private readonly hashSlots: number;
  private readonly refused: Counter<'operation' | 'reason'>;
  private readonly duration: Histogram<'operation'>;

  constructor(private readonly options: PasswordHasherOptions) {
    const { threads, maxQueue, hashShare } = options;
    if (!(hashShare > 0 && hashShare <= 1)) throw new RangeError(`hashShare must be in (0, 1], not ${hashShare}`);
    this.hashSlots = Math.max(1, Math.floor(hashShare * (threads + maxQueue)));
    this.now = options.now ?? (() => performance.now());
    this.pool = new Piscina({
      filename: WORKER,
      minThreads: options.threads,
      maxThreads: options.threads,
      // The queue is bounded in run(): piscina's maxQueue does not apply to abortable tasks.
      idleTimeout: Infinity,
    });
    const registers = options.registry ? [options.registry] : [];
    const pool = this.pool;
    const inFlight = this.inFlight;
    new Gauge({
      name: 'password_hash_in_flight',
      help: 'Password hashes in the pool (running or waiting), by operation (hash: sign-ups, verify: sign-ins)',
      labelNames: ['operation'],
      registers,
      collect() {
        for (const operation of ['hash', 'verify'] as const) this.set({ operation }, inFlight[operation]);
      },
    });
    new Gauge({
      name: 'password_hash_queue_depth',
      help: 'Password hashes waiting for a worker thread',
      registers,
      collect() {
        this.set(pool.queueSize);
      },
    });
    this.refused = new Counter({
      name: 'password_hash_refused_total',
      help: 'Password hashes refused, by operation and reason (queue_full: no slot of its share left; slow: would wait past its share of the budget; timeout: given up)',
      labelNames: ['operation', 'reason'],
      registers,
    });
    this.duration = new Histogram({
      name: 'password_hash_duration_seconds',
      help: 'Time from asking for a password hash to its result (queue wait included), by operation',
      labelNames: ['operation'],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
  }

  /** A new hash of `password` at cost 2^logN (a sign-up); PasswordHasherBusy when its share of the pool is full. */
  hash(password: string, logN: number): Promise<string> {
    return this.run('hash', 'hashTask', { password, logN }) as Promise<string>;
  }

  /** Whether `password` matches `stored` (constant-time; a sign-in); PasswordHasherBusy when the pool is full. */
  verify(password: string, stored: string): Promise<boolean> {
    return this.run('verify', 'verifyTask', { password, stored }) as Promise<boolean>;
  }

  /** Finish the hashes under way, then stop the threads. */
  close(): Promise<void> {
    return this.pool.close();
  }

  private async run(operation: Operation, name: string, task: HashTask | VerifyTask) {
    const started = performance.now();
    const { threads, maxQueue, maxWaitMs, timeoutMs, hashShare } = this.options;
    const total = this.total();
    const limited = operation === 'hash' && hashShare < 1; // a sign-up, held to its share
    const [slots, waitMs] = limited ? [this.hashSlots, hashShare * maxWaitMs] : [Infinity, maxWaitMs];
    if (total >= threads + maxQueue || this.inFlight[operation] >= slots) throw this.refuse(operation, 'queue_full');
    // An idle thread always takes a sign-in, so a slow spell can never refuse everything for good,
    // and a sign-up too unless sign-ups are crowding in: then only if one hash fits in their share
    // of the budget, else every sign-in arriving behind it would wait a whole slow hash more. A stale
    // estimate refuses nothing (nothing to go by: this one measures again).
    const now = this.now();
    const crowded = now - this.signUpRefusedAt < RECENT_MS && now - this.learntAt < RECENT_MS;
    const mustFit = total >= threads || (limited && crowded);
    if (mustFit && this.hashMs !== undefined && this.expectedAnswerMs(this.hashMs) > waitMs) {
      throw this.refuse(operation, 'slow');
    }
    let result: Timed<string | boolean>;
    const deadline = AbortSignal.timeout(timeoutMs);
    // how many hash times, at least, it waits for and runs: those ahead of it, `threads` at a time, and its own
    const turns = Math.floor(total / threads) + 1;
    this.inFlight[operation]++;
    try {
      result = await this.pool.run(task, { name, signal: deadline });
    } catch (error) {
      if (!deadline.aborted) throw error;
      // `turns` hashes took longer than the deadline: hashes are at least that slow now
      if (timeoutMs / turns > (this.hashMs ?? 0)) this.learn(timeoutMs / turns);
      throw this.refuse(operation, 'timeout');
    } finally {
      this.inFlight[operation]--;
    }
    this.learn(result.ms);
    this.duration.observe({ operation }, (performance.now() - started) / 1000);
    return result.value;
  }

  private learn(ms: number): void {
    this.hashMs = this.hashMs === undefined ? ms : this.hashMs + SMOOTHING * (ms - this.hashMs);
    this.learntAt = this.now();
  }

  private refuse(operation: Operation, reason: 'queue_full' | 'slow' | 'timeout'): PasswordHasherBusy {
    this.refused.inc({ operation, reason });
    if (operation === 'hash') this.signUpRefusedAt = this.now();
    return new PasswordHasherBusy(this.expectedAnswerMs(this.hashMs ?? 1000));
  }

  /**
   * When a hash asked for now would likely be done: at once on an idle thread; else after a thread
   * is freed for it (the busy ones finishing, then the queue ahead, `threads` at a time), then its
   * own time. Pessimistic by up to one hash: a running one is counted as if it had just started.
   */
  private expectedAnswerMs(perHash: number): number {
    const { threads } = this.options;
    const total = this.total();
    if (total < threads) return perHash;
    return (Math.floor((total - threads) / threads) + 1) * perHash + perHash;
  }

  /** Hashes in the pool, running or waiting, of both operations. */
  private total(): number {
    return this.inFlight.hash + this.inFlight.verify;
  }
}
