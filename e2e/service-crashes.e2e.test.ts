import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { listeningPid } from '../test-support/stack-control';
import { stackEnv } from '../test-support/stack-env';

// The product as scripts/start runs it — tools/dist/run-services.js, every service a child process
// on its own port, on the stack's real stores and data — while each subgraph in turn, then the
// gateway, is killed with SIGKILL. Nobody restarts anything by hand: the supervisor does. What is
// counted: polls (every POLL_MS) until the killed service answers through the gateway again, and
// every poll of an operation that does not need it (all must succeed). The bound on recovery is
// generous (a busy CI machine); the measured times go to test-artifacts/service-crashes.json.
// It starts a whole product and kills its processes: only in scripts/test's failure phase
// (POLYSTORE_CHAOS_TEST=1), after `npm run build` and the migrations.
const ENABLED = process.env['POLYSTORE_CHAOS_TEST'] === '1';
const ROOT = path.resolve(__dirname, '..');
const POLL_MS = 250;
const MAX_POLLS = 120; // 30 s
jest.setTimeout(300_000);

const NAMES = ['accounts', 'catalog', 'cart', 'orders', 'payments', 'search'] as const;
type Name = (typeof NAMES)[number] | 'gateway';

/** An operation answered by exactly that subgraph (anonymous: a coded refusal is an answer too). */
const NEEDS: Record<(typeof NAMES)[number], string> = {
  accounts: '{ me { id } }',
  catalog: '{ categories { slug } }',
  cart: '{ cart { totalQuantity } }',
  orders: '{ order(id: "00000000-0000-4000-8000-000000000000") { number } }',
  payments: '{ payment(id: "00000000-0000-4000-8000-000000000000") { status } }',
  search: '{ searchProducts(query: "lamp", first: 1) { total } }',
};

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Answered by the services it needs: HTTP 200 and no SERVICE_UNAVAILABLE (a coded refusal is an answer). */
async function answers(url: string, query: string): Promise<boolean> {
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query }),
      signal: AbortSignal.timeout(5_000),
    });
    if (response.status !== 200) return false;
    const body = (await response.json()) as { errors?: { extensions?: { code?: string } }[] };
    return !(body.errors ?? []).some((e) => e.extensions?.code === 'SERVICE_UNAVAILABLE');
  } catch {
    return false;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

(ENABLED ? describe : describe.skip)('a service killed with SIGKILL under run-services', () => {
  let product: ChildProcess;
  let output = '';
  let exit: Promise<number | null>;
  const ports = {} as Record<Name, number>;
  let url = '';
  const logDir = mkdtempSync(path.join(os.tmpdir(), 'polystore-crashes-'));
  const measured: Record<string, unknown>[] = [];

  beforeAll(async () => {
    const metricsPorts: Record<string, string> = {};
    for (const name of [...NAMES, 'gateway'] as Name[]) {
      ports[name] = await freePort();
      metricsPorts[`${name.toUpperCase()}_METRICS_PORT`] = String(await freePort());
    }
    url = `http://127.0.0.1:${ports.gateway}/graphql`;
    product = spawn(process.execPath, [path.join(ROOT, 'tools/dist/run-services.js')], {
      cwd: ROOT,
      env: {
        ...process.env,
        ...stackEnv(),
        ...Object.fromEntries(
          Object.entries(ports).map(([name, port]) => [`${name.toUpperCase()}_PORT`, String(port)]),
        ),
        ...metricsPorts,
        POLYSTORE_QUIET: '1',
        POLYSTORE_LOG_DIR: logDir,
        LOG_LEVEL: 'warn',
        RATE_LIMIT_POINTS: '1000000',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    product.stdout!.on('data', (chunk) => (output += String(chunk)));
    product.stderr!.on('data', (chunk) => (output += String(chunk)));
    exit = new Promise((resolve) => product.once('exit', (code) => resolve(code)));
    for (let i = 0; !output.includes('Polystore is up'); i++) {
      if (product.exitCode !== null || i > 1200) throw new Error(`run-services did not come up:\n${output}`);
      await sleep(100);
    }
  }, 180_000);

  afterAll(async () => {
    if (product && product.exitCode === null) {
      product.kill('SIGTERM');
      await exit;
    }
    mkdirSync(path.join(ROOT, 'test-artifacts'), { recursive: true });
    writeFileSync(path.join(ROOT, 'test-artifacts', 'service-crashes.json'), JSON.stringify(measured, null, 2));
    rmSync(logDir, { recursive: true, force: true });
  });

  it.each([...NAMES, 'gateway'] as Name[])(
    'a killed %s is started again and answers, the other services never stop answering',
    async (name) => {
      const pid = await listeningPid(ports[name]);
      expect(pid).toBeDefined();
      const others = Object.fromEntries(
        await Promise.all(
          ([...NAMES, 'gateway'] as Name[])
            .filter((n) => n !== name)
            .map(async (n) => [n, await listeningPid(ports[n])]),
        ),
      );
      const query = name === 'gateway' ? '{ __typename }' : NEEDS[name];
      // for a subgraph, an operation of another subgraph; the gateway's own death stops every operation
      const unrelated = name === 'gateway' ? undefined : NEEDS[name === 'catalog' ? 'search' : 'catalog'];
      expect(await answers(url, query)).toBe(true);

      const started = Date.now();
      process.kill(pid!, 'SIGKILL');
      let polls = 0;
      let unrelatedFailed = 0;
      let unrelatedOk = 0;
      while (!(await answers(url, query))) {
        polls++;
        if (polls > MAX_POLLS) break;
        if (unrelated && (await answers(url, unrelated))) unrelatedOk++;
        else if (unrelated) unrelatedFailed++;
        await sleep(POLL_MS);
      }
      const recoveredMs = Date.now() - started;
      const newPid = await listeningPid(ports[name]);
      measured.push({ name, polls, pollMs: POLL_MS, recoveredMs, unrelatedOk, unrelatedFailed });

      expect(polls).toBeLessThanOrEqual(MAX_POLLS);
      expect(newPid).toBeDefined();
      expect(newPid).not.toBe(pid);
      expect(output).toContain(`[supervisor] ${name} exited (SIGKILL)`);
      expect(output).toMatch(new RegExp(`\\[supervisor\\] ${name} exited \\(SIGKILL\\).*\\(restart 1;`));
      // nothing else was restarted, and what did not need the killed service kept answering
      for (const [other, otherPid] of Object.entries(others)) {
        expect({ other, pid: await listeningPid(ports[other as Name]) }).toEqual({ other, pid: otherPid });
      }
      expect(unrelatedFailed).toBe(0);
    },
  );

  it('stops every service on SIGTERM, and exits 0', async () => {
    product.kill('SIGTERM');
    expect(await exit).toBe(0);
    const still = await Promise.all(Object.values(ports).map((port) => listeningPid(port)));
    expect(still.filter((pid) => pid !== undefined)).toEqual([]);
    expect(output).toMatch(/restarted: .*accounts 1×/);
  });
});
