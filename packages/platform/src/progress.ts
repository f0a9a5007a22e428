/**
 * Progress of a long job on stderr: a live line on a terminal, and on a log (CI, files) one line
 * every `logEveryPercent` so the log stays short but shows the job moving.
 */
export class Progress {
  private done = 0;
  private lastPercent = -1;
  private readonly started = Date.now();
  private readonly tty: boolean;

  constructor(
    private readonly label: string,
    private readonly total: number,
    private readonly out: NodeJS.WriteStream = process.stderr,
    private readonly logEveryPercent = 10,
  ) {
    this.tty = Boolean(out.isTTY);
  }

  tick(n = 1): void {
    this.done = Math.min(this.total, this.done + n);
    const percent = this.total === 0 ? 100 : Math.floor((this.done / this.total) * 100);
    if (this.tty) {
      this.out.write(`\r${this.line(percent)}`);
    } else if (percent >= this.lastPercent + this.logEveryPercent || this.done === this.total) {
      if (percent !== this.lastPercent) this.out.write(`${this.line(percent)}\n`);
    }
    this.lastPercent = this.tty ? percent : Math.max(this.lastPercent, percent - (percent % this.logEveryPercent));
  }

  finish(): void {
    const seconds = ((Date.now() - this.started) / 1000).toFixed(1);
    this.out.write(`${this.tty ? '\r' : ''}${this.label}: ${this.done}/${this.total} done in ${seconds} s\n`);
  }

  private line(percent: number): string {
    return `${this.label}: ${this.done}/${this.total} (${percent}%)`;
  }
}
