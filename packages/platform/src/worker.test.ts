import { checkReadiness } from './health';
import { createLogger } from './logger';
import { WorkerSupervisor, type Worker } from './worker';

const logger = createLogger('worker-test', 'silent');

/** A worker that works until stopped, crashing on the runs listed in `crashOn` (1-based). */
function flaky(name: string, crashOn: number[] = []) {
  let runs = 0;
  let release: (() => void) | undefined;
  const worker: Worker & { runs(): number; finishedBatches: number } = {
    name,
    finishedBatches: 0,
    runs: () => runs,
    run() {
      runs += 1;
      if (crashOn.includes(runs)) return Promise.reject(new Error(`crash on run ${runs}`));
      return new Promise<void>((resolve) => {
        release = () => {
          worker.finishedBatches += 1; // the batch in hand, finished before it returns
          resolve();
        };
      });
    },
    async stop() {
      release?.();
    },
  };
  return worker;
}

const until = async (probe: () => boolean) => {
  for (let i = 0; i < 400 && !probe(); i++) await new Promise((r) => setTimeout(r, 5));
  if (!probe()) throw new Error('never happened');
};

describe('WorkerSupervisor', () => {
  it('restarts a crashed worker with growing backoff, and reports it down meanwhile', async () => {
    const worker = flaky('relay', [1, 2]);
    const supervisor = new WorkerSupervisor([worker], { logger, minBackoffMs: 20, maxBackoffMs: 1_000 });
    supervisor.start();
    await until(() => supervisor.state('relay') === 'down');
    const report = await checkReadiness(supervisor.readiness());
    expect(report.ready).toBe(false);
    expect(report.checks['worker:relay']?.error).toMatch(
      /^down after 1 crash\(es\): crash on run 1; restarting in \d+ ms$/,
    );
    await until(() => worker.runs() === 3 && supervisor.state('relay') === 'running');
    expect((await checkReadiness(supervisor.readiness())).checks['worker:relay']).toMatchObject({
      ok: true,
      detail: { running: true },
    });
    await supervisor.stop();
    expect(supervisor.state('relay')).toBe('stopped');
    expect(worker.finishedBatches).toBe(1);
  });

  it('drains every worker on stop: each finishes what it holds, none is started again', async () => {
    const a = flaky('a');
    const b = flaky('b');
    const supervisor = new WorkerSupervisor([a, b], { logger, minBackoffMs: 10 });
    supervisor.start();
    await until(() => a.runs() === 1 && b.runs() === 1);
    await supervisor.stop();
    expect([a.finishedBatches, b.finishedBatches, a.runs(), b.runs()]).toEqual([1, 1, 1, 1]);
  });

  it('stops at once a worker waiting out its backoff', async () => {
    const worker = flaky('consumer', [1]);
    const supervisor = new WorkerSupervisor([worker], { logger, minBackoffMs: 60_000 });
    supervisor.start();
    await until(() => supervisor.state('consumer') === 'down');
    await supervisor.stop();
    expect([supervisor.state('consumer'), worker.runs()]).toEqual(['stopped', 1]);
  });

  it('reports what a worker says about itself, and a lagging one as not ready', async () => {
    let lag = 3;
    const worker: Worker = {
      ...flaky('projection'),
      async check() {
        if (lag > 100) throw new Error(`lagging: ${lag} undelivered`);
        return { detail: { lag } };
      },
    };
    const supervisor = new WorkerSupervisor([worker], { logger });
    supervisor.start();
    expect((await checkReadiness(supervisor.readiness())).checks['worker:projection']).toMatchObject({
      ok: true,
      detail: { lag: 3 },
    });
    lag = 500;
    expect((await checkReadiness(supervisor.readiness())).checks['worker:projection']).toMatchObject({
      ok: false,
      error: 'lagging: 500 undelivered',
    });
    await supervisor.stop();
  });

  it('treats a worker that returns without being stopped as crashed', async () => {
    let runs = 0;
    const worker: Worker = {
      name: 'quitter',
      run: async () => void (runs += 1),
      stop: async () => undefined,
    };
    const supervisor = new WorkerSupervisor([worker], { logger, minBackoffMs: 5, maxBackoffMs: 5 });
    supervisor.start();
    await until(() => runs >= 3);
    await supervisor.stop();
    expect(runs).toBeGreaterThanOrEqual(3);
  });

  it('refuses two workers of one name', () => {
    expect(() => new WorkerSupervisor([flaky('x'), flaky('x')], { logger })).toThrow('two workers named x');
  });
});
