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
