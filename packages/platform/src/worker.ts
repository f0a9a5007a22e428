import { backoffMs } from './backoff';
import type { ReadinessCheck } from './health';
import type { Logger } from './logger';

/**
 * A background worker beside a service's HTTP server: an outbox relay, an event consumer.
 * `run()` works until `stop()` is called and then resolves, once the batch in hand is finished;
 * it rejects when the worker crashed.
 */
export interface Worker {
  readonly name: string;
  run(): Promise<void>;
  /** Drain: stop claiming new work, finish what is in hand. */
  stop(): Promise<void>;
  /** For /readyz: resolves (optionally with `{ detail }`) when healthy, rejects when it lags. */
  check?(): Promise<unknown>;
}

type State =
  | { kind: 'idle' }
  | { kind: 'running'; since: number }
  | { kind: 'down'; error: string; failures: number; restartAt: number }
  | { kind: 'stopped' };

export interface SupervisorOptions {
  logger: Logger;
  /** First restart delay; doubled after each crash in a row, up to maxBackoffMs. */
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /** A worker that ran this long before crashing starts its backoff again from the minimum. */
  stableMs?: number;
}

/**
 * Runs workers for the service lifecycle (runService): started after the stores are ready,
 * restarted with exponential backoff when they crash, drained on SIGTERM, reported in /readyz.
 */
export class WorkerSupervisor {
  private readonly states = new Map<string, State>();
  private readonly loops: Promise<void>[] = [];
  private stopping = false;
  private readonly wakeUps = new Set<() => void>();

  constructor(
    private readonly workers: readonly Worker[],
    private readonly options: SupervisorOptions,
  ) {
    for (const worker of workers) {
      if (this.states.has(worker.name)) throw new Error(`two workers named ${worker.name}`);
      this.states.set(worker.name, { kind: 'idle' });
    }
  }

  start(): void {
    if (this.loops.length || this.stopping) return;
    for (const worker of this.workers) this.loops.push(this.supervise(worker));
  }

  /** Drain every worker (each finishes its batch in hand) and wait for them. */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const wake of this.wakeUps) wake();
    await Promise.all(this.workers.map((w) => w.stop().catch(() => undefined)));
    await Promise.all(this.loops);
  }

  state(name: string): State['kind'] {
    return this.states.get(name)?.kind ?? 'idle';
  }

  /** One /readyz check per worker: fails while it is down (crashed, waiting to restart) or lagging. */
  readiness(): Record<string, ReadinessCheck> {
    return Object.fromEntries(
      this.workers.map((worker) => [
        `worker:${worker.name}`,
        async () => {
          const state = this.states.get(worker.name)!;
          if (state.kind === 'down') {
            const inMs = Math.max(0, state.restartAt - Date.now());
            throw new Error(`down after ${state.failures} crash(es): ${state.error}; restarting in ${inMs} ms`);
          }
          if (state.kind !== 'running') throw new Error(`not running (${state.kind})`);
          return worker.check ? worker.check() : { detail: { running: true } };
        },
      ]),
    );
  }

  private async supervise(worker: Worker): Promise<void> {
    const { logger, minBackoffMs = 500, maxBackoffMs = 30_000, stableMs = 60_000 } = this.options;
    let failures = 0;
    while (!this.stopping) {
      const since = Date.now();
      this.states.set(worker.name, { kind: 'running', since });
      let error: unknown;
      try {
        await worker.run();
        if (this.stopping) break;
        error = new Error('ended without being stopped');
      } catch (caught) {
        if (this.stopping) break;
        error = caught;
      }
      failures = Date.now() - since >= stableMs ? 1 : failures + 1;
      const delay = backoffMs(failures, { minMs: minBackoffMs, maxMs: maxBackoffMs });
      const message = (error as Error)?.message ?? String(error);
      this.states.set(worker.name, { kind: 'down', error: message, failures, restartAt: Date.now() + delay });
      logger.error({ err: error, worker: worker.name, failures, restartInMs: delay }, 'worker crashed; restarting');
      await this.pause(delay);
    }
    this.states.set(worker.name, { kind: 'stopped' });
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakeUps.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakeUps.add(done);
    });
  }
}
