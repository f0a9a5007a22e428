import { Supervisor, type ProcessSpec } from './supervisor';

// Real child processes (small node scripts), so exits, signals and restarts are the operating
// system's, not a fake's.
const node = (name: string, script: string): ProcessSpec => ({
  name,
  command: process.execPath,
  args: ['-e', script],
  env: { PATH: process.env['PATH'] },
  cwd: __dirname,
});
/** Prints "started" then exits with code 3 after `ms`. */
const crashing = (name: string, ms = 10) =>
  node(name, `console.log('started'); setTimeout(() => process.exit(3), ${ms})`);
/** Prints "started" then runs until stopped. */
const steady = (name: string) => node(name, `console.log('started'); setInterval(() => {}, 1000)`);

async function until(check: () => boolean, limitMs = 10_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

function supervised(options: Partial<ConstructorParameters<typeof Supervisor>[0]> = {}) {
  const lines: string[] = [];
  const output: string[] = [];
  const supervisor = new Supervisor({
    firstDelayMs: 20,
    log: (line) => lines.push(line),
    onOutput: (name, line) => output.push(`${name}: ${line}`),
    ...options,
  });
  return { supervisor, lines, output };
}

describe('Supervisor', () => {
  let current: Supervisor | undefined;
  afterEach(async () => {
    await current?.stop([], 2_000);
  });

  it('starts a crashed process again, with a doubling backoff, and counts the restarts; the others keep running', async () => {
    const { supervisor, lines, output } = supervised({ maxCrashes: 100 });
    current = supervisor;
    supervisor.start(steady('calm'));
    supervisor.start(crashing('flaky'));
    // the first run and three restarts, each of which printed its line
    await until(() => output.filter((l) => l === 'flaky: started').length >= 4);
    expect(supervisor.state('flaky')!.restarts).toBeGreaterThanOrEqual(3);
    const calmPid = supervisor.state('calm')?.pid;
    expect(calmPid).toBeDefined();
    // 20, 40, 80 ms: doubled for each crash in a row
    const delays = lines.filter((l) => l.startsWith('flaky exited')).map((l) => Number(/in (\d+) ms/.exec(l)?.[1]));
    expect(delays.slice(0, 3)).toEqual([20, 40, 80]);
    expect(lines[0]).toMatch(
      /^flaky exited \(code 3\) after .* restarting it in 20 ms \(restart 1; .*its last lines:\n {2}started/s,
    );
    expect(supervisor.state('calm')).toMatchObject({ pid: calmPid, restarts: 0, gaveUp: false });
    expect(output.filter((l) => l === 'calm: started')).toHaveLength(1);
  });

  it('restarts a process killed with SIGKILL', async () => {
    const { supervisor, lines } = supervised();
    current = supervisor;
    supervisor.start(steady('victim'));
    await until(() => supervisor.state('victim')?.pid !== undefined);
    const first = supervisor.state('victim')!.pid!;
    process.kill(first, 'SIGKILL');
    await until(() => (supervisor.state('victim')?.restarts ?? 0) === 1 && supervisor.running('victim'));
    expect(supervisor.state('victim')!.pid).not.toBe(first);
    expect(lines[0]).toMatch(/^victim exited \(SIGKILL\)/);
  });

  it('gives up, loudly, on a process that crashes 5 times within the window, and leaves the others running', async () => {
    const { supervisor, lines } = supervised({ maxCrashes: 5, crashWindowMs: 60_000 });
    current = supervisor;
    supervisor.start(steady('calm'));
    supervisor.start(crashing('looping', 1));
    await until(() => supervisor.state('looping')?.gaveUp === true);
    expect(supervisor.state('looping')).toMatchObject({ restarts: 4, gaveUp: true, pid: undefined });
    expect(lines.at(-1)).toMatch(
      /!!! looping exited \(code 3\) for the 5th time within 1 min: a crash loop\. It is NOT restarted/,
    );
    await new Promise((r) => setTimeout(r, 300)); // well past the next backoff: nothing more happens
    expect(supervisor.state('looping')?.restarts).toBe(4);
    expect(supervisor.running('calm')).toBe(true);
  });

  it('starts the backoff over for a process that had run long enough before it crashed', async () => {
    let clock = 0;
    const { supervisor, lines } = supervised({ maxCrashes: 100, stableAfterMs: 1_000, now: () => clock });
    current = supervisor;
    supervisor.start(crashing('flaky', 300));
    await until(() => supervisor.state('flaky')?.restarts === 2 && supervisor.running('flaky'));
    clock += 5_000; // this third run lasts "5 s"
    await until(() => lines.length >= 3);
    const delays = lines.slice(0, 3).map((l) => Number(/in (\d+) ms/.exec(l)?.[1]));
    expect(delays).toEqual([20, 40, 20]);
  });

  it('stops every process on stop(), a stubborn one with SIGKILL, and restarts none of them', async () => {
    const { supervisor, lines } = supervised();
    supervisor.start(steady('polite'));
    supervisor.start(
      node('stubborn', `process.on('SIGTERM', () => {}); console.log('started'); setInterval(() => {}, 1000)`),
    );
    await until(() => supervisor.running('polite') && supervisor.running('stubborn'));
    await new Promise((r) => setTimeout(r, 200)); // the stubborn one has installed its handler
    await supervisor.stop(['stubborn', 'polite'], 300);
    await until(() => !supervisor.running('polite') && !supervisor.running('stubborn'));
    await new Promise((r) => setTimeout(r, 100));
    expect(supervisor.running('polite') || supervisor.running('stubborn')).toBe(false);
    expect(lines).toEqual([]);
  });
});
