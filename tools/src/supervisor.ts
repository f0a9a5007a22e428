import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

/** One process to keep running. */
export interface ProcessSpec {
  name: string;
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  cwd: string;
}

export interface SupervisorOptions {
  /** Wait before the first restart after a crash; doubled for each crash in a row (ms). */
  firstDelayMs?: number;
  /** The longest wait between restarts (ms). */
  maxDelayMs?: number;
  /** Give up on a process after this many crashes within `crashWindowMs`: a crash loop. */
  maxCrashes?: number;
  crashWindowMs?: number;
  /** A process that ran this long without crashing starts its backoff from `firstDelayMs` again (ms). */
  stableAfterMs?: number;
  /** Where the supervisor's own lines go (started, crashed, restarting, giving up). */
  log: (line: string) => void;
  /** Every line a process writes (stdout and stderr). */
  onOutput?: (name: string, line: string) => void;
  now?: () => number;
}

export interface ProcessState {
  pid: number | undefined;
  /** Times it was started again after a crash. */
  restarts: number;
  /** Crash times (ms) within the crash window. */
  recentCrashes: number[];
  gaveUp: boolean;
  /** Its last lines, for the message when it crashes. */
  lastLines: string[];
}

export const SUPERVISOR_DEFAULTS = {
  firstDelayMs: 250,
  maxDelayMs: 15_000,
  maxCrashes: 5,
  crashWindowMs: 120_000,
  stableAfterMs: 30_000,
};

/**
 * Keeps a set of processes running (docs/adr/0011): one that exits without being asked is started
 * again after a backoff (250 ms, doubled for each crash in a row, at most 15 s; back to 250 ms once it
 * has run for 30 s), and the others never notice. A process that crashes 5 times within 2 minutes is
 * in a crash loop: it is left stopped, the supervisor says so loudly, and the rest keeps running.
 * `stop` ends them all, in the order given.
 */
export class Supervisor {
  private readonly options: Required<Omit<SupervisorOptions, 'onOutput'>> & Pick<SupervisorOptions, 'onOutput'>;
  private readonly children = new Map<string, ChildProcess>();
  private readonly specs = new Map<string, ProcessSpec>();
  private readonly states = new Map<string, ProcessState & { consecutive: number; startedAt: number }>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopping = false;

  constructor(options: SupervisorOptions) {
    this.options = { ...SUPERVISOR_DEFAULTS, now: Date.now, ...options };
  }

  /** Start a process and keep it running. */
  start(spec: ProcessSpec): void {
    this.specs.set(spec.name, spec);
    if (!this.states.has(spec.name)) {
      this.states.set(spec.name, {
        pid: undefined,
        restarts: 0,
        recentCrashes: [],
        gaveUp: false,
        lastLines: [],
        consecutive: 0,
        startedAt: 0,
      });
    }
    this.spawn(spec);
  }

  state(name: string): ProcessState | undefined {
    const state = this.states.get(name);
    return state && { ...state, recentCrashes: [...state.recentCrashes], lastLines: [...state.lastLines] };
  }

  /** Whether the process runs now (not between a crash and its restart, not given up). */
  running(name: string): boolean {
    return this.children.has(name);
  }

  /**
   * Stop every process, in the order given (the rest after them): SIGTERM, then SIGKILL after
   * `graceMs`. No process is restarted from here on.
   */
  async stop(order: string[] = [], graceMs = 25_000): Promise<void> {
    this.stopping = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    const names = [...new Set([...order, ...this.children.keys()])];
    for (const name of names) {
      const child = this.children.get(name);
      if (!child) continue;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([exited, new Promise((resolve) => (timer = setTimeout(resolve, graceMs)))]);
      clearTimeout(timer);
      if (this.children.get(name) === child) child.kill('SIGKILL');
    }
  }

  private spawn(spec: ProcessSpec): void {
    const state = this.states.get(spec.name)!;
    const child = spawn(spec.command, spec.args, { cwd: spec.cwd, env: spec.env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.children.set(spec.name, child);
    state.pid = child.pid;
    state.startedAt = this.options.now();
    for (const stream of [child.stdout!, child.stderr!]) {
      createInterface({ input: stream }).on('line', (line) => {
        state.lastLines.push(line);
        if (state.lastLines.length > 20) state.lastLines.shift();
        this.options.onOutput?.(spec.name, line);
      });
    }
    child.on('error', (error) => this.options.log(`${spec.name} could not be started: ${error.message}`));
    child.on('exit', (code, signal) => {
      if (this.children.get(spec.name) === child) this.children.delete(spec.name);
      state.pid = undefined;
      if (!this.stopping) this.crashed(spec, code, signal);
    });
  }

  private crashed(spec: ProcessSpec, code: number | null, signal: NodeJS.Signals | null): void {
    const state = this.states.get(spec.name)!;
    const now = this.options.now();
    const ranMs = now - state.startedAt;
    if (ranMs >= this.options.stableAfterMs) state.consecutive = 0;
    state.consecutive++;
    state.recentCrashes = [...state.recentCrashes.filter((t) => now - t < this.options.crashWindowMs), now];
    const how = signal ?? `code ${code}`;
    const last = state.lastLines.length ? `; its last lines:\n  ${state.lastLines.join('\n  ')}` : '';
    if (state.recentCrashes.length >= this.options.maxCrashes) {
      state.gaveUp = true;
      const minutes = this.options.crashWindowMs / 60_000;
      this.options.log(
        `\n!!! ${spec.name} exited (${how}) for the ${state.recentCrashes.length}th time within ${minutes} min: ` +
          `a crash loop. It is NOT restarted; everything else keeps running without it. Fix the cause ` +
          `and start it again (scripts/start)${last}\n`,
      );
      return;
    }
    const delayMs = Math.min(this.options.maxDelayMs, this.options.firstDelayMs * 2 ** (state.consecutive - 1));
    this.options.log(
      `${spec.name} exited (${how}) after ${(ranMs / 1000).toFixed(1)} s; restarting it in ${delayMs} ms ` +
        `(restart ${state.restarts + 1}; ${state.recentCrashes.length} of ${this.options.maxCrashes} crashes ` +
        `allowed within ${this.options.crashWindowMs / 60_000} min)${last}`,
    );
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (this.stopping) return;
      state.restarts++;
      this.spawn(spec);
    }, delayMs);
    this.timers.add(timer);
  }
}
