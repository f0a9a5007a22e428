import type { Worker } from '../worker';

/**
 * A relay's sleep between rounds: `wait(ms)` resolves after ms, or as soon as `wake()` is called
 * (a commit in this process). A wake-up that arrives while the relay works is kept for the next wait.
 */
export class WakeUp {
  private pending = false;
  private resolve: (() => void) | undefined;

  wake(): void {
    if (this.resolve) this.resolve();
    else this.pending = true;
  }

  wait(ms: number): Promise<void> {
    if (this.pending) {
      this.pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.resolve = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.resolve = done;
    });
  }
}

/**
 * A relay as a worker: `work()` loops until `stopping`, sleeping on `wakeUp` between rounds;
 * `wake()` runs a round soon (after a commit); `stop()` lets the round in hand finish.
 */
export abstract class WakeableWorker implements Worker {
  abstract readonly name: string;
  protected readonly wakeUp = new WakeUp();
  protected stopping = false;
  private loop: Promise<void> | undefined;

  wake(): void {
    this.wakeUp.wake();
  }

  run(): Promise<void> {
    this.loop = this.work();
    return this.loop;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.wakeUp.wake();
    await this.loop?.catch(() => undefined);
  }

  protected abstract work(): Promise<void>;
}
