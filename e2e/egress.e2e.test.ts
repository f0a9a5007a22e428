import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import * as egress from '../test-support/egress-guard';
import { Browser } from './support/browser';
import { startPolystore, type RunningPolystore } from './support/polystore';

jest.setTimeout(60_000);

// No process may open a connection or resolve a name outside loopback. The in-process services of
// every e2e file are held to that by the guard their jest worker runs under; this file starts the
// real gateway program (gateway/dist/main.js, from npm run build) as a process of its own, with the
// guard preloaded, serves requests through it, stops it, and reads what it tried.

const MAIN = path.join(__dirname, '..', 'gateway', 'dist', 'main.js');

/** Apollo's variables as an operator might have them set: each one, obeyed, would phone home. */
const APOLLO_ENV = {
  APOLLO_TELEMETRY_DISABLED: 'false',
  APOLLO_KEY: 'service:polystore-egress-test:not-a-real-key',
  APOLLO_GRAPH_REF: 'polystore-egress-test@current',
  APOLLO_SCHEMA_REPORTING: 'true',
};

let polystore: RunningPolystore;

beforeAll(async () => {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: npm run build`);
  polystore = await startPolystore();
});
afterAll(async () => {
  await polystore?.stop();
});

interface GatewayRun {
  attempts: egress.EgressAttempt[];
  exitCode: number | null;
  answers: Record<string, unknown>;
}

/** Start the gateway program under the guard, use it as a client would, stop it, read its log. */
async function runGatewayProcess(env: Record<string, string>): Promise<GatewayRun> {
  const logDir = mkdtempSync(path.join(tmpdir(), 'polystore-egress-gateway-'));
  const child = spawn(process.execPath, [MAIN], {
    env: {
      PATH: process.env['PATH'],
      ...polystore.gatewayEnv,
      ...APOLLO_ENV,
      ...env,
      LOG_LEVEL: 'info',
      HOST: '127.0.0.1',
      PORT: '0',
      NODE_OPTIONS: egress.nodeOptions(),
      [egress.LOG_VARIABLE]: logDir,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  try {
    const url = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout! }).on('line', (line) => {
        output.push(line);
        if (line.includes('"gateway listening"')) resolve(JSON.parse(line).url);
      });
      createInterface({ input: child.stderr! }).on('line', (line) => output.push(line));
      void exited.then((code) => reject(new Error(`the gateway exited (${code}):\n${output.join('\n')}`)));
    });
    // A session (sign-up: accounts, Redis, the token verified against accounts' JWKS), reads across
    // subgraphs, readiness (every subgraph probed) and the metrics port.
    const shopper = new Browser(url);
    const credentials = { email: `egress-${child.pid}@example.com`, password: 'a long enough password' };
    const signUp = await shopper.gql('mutation($i: SignUpInput!) { signUp(input: $i) { id } }', {
      i: { ...credentials, name: 'Egon Egress' },
    });
    const signIn = await shopper.gql('mutation($i: SignInInput!) { signIn(input: $i) { user { name } } }', {
      i: credentials,
    });
    const me = await shopper.gql(
      '{ me { name } products(first: 2) { totalCount } searchProducts(query: "lamp") { total } }',
    );
    const ready = await fetch(new URL('/readyz', url));
    const metricsLine = output.find((line) => line.includes('"metrics listening"'));
    const metrics = await fetch(JSON.parse(metricsLine!).url);
    child.kill('SIGTERM');
    return {
      exitCode: await exited,
      attempts: egress.readLog(logDir),
      answers: {
        signUp: signUp.errors ?? 'ok',
        signIn: signIn.data ?? signIn.errors,
        me: me.data ?? me.errors,
        readyz: ready.status,
        metrics: metrics.status,
      },
    };
  } finally {
    child.kill('SIGKILL');
    rmSync(logDir, { recursive: true, force: true });
  }
}

describe('the gateway process', () => {
  it('makes no connection and no lookup off loopback from start to stop, whatever Apollo’s variables say', async () => {
    const run = await runGatewayProcess({});
    expect(run.answers).toEqual({
      signUp: 'ok',
      signIn: { signIn: { user: { name: 'Egon Egress' } } },
      me: { me: { name: 'Egon Egress' }, products: { totalCount: 0 }, searchProducts: { total: 0 } },
      readyz: 200,
      metrics: 200,
    });
    expect(run.exitCode).toBe(0);
    expect(egress.report(run.attempts)).toBe('');
  });

  it('is caught by the guard when Apollo’s telemetry is turned on with GATEWAY_APOLLO_TELEMETRY=true', async () => {
    const run = await runGatewayProcess({ GATEWAY_APOLLO_TELEMETRY: 'true' });
    expect(run.answers).toMatchObject({ signUp: 'ok', readyz: 200 });
    // the cloud detectors at start, the usage exporter's last report at stop
    expect(run.attempts.map((a) => `${a.kind} ${a.destination}`)).toEqual(
      expect.arrayContaining(['connect 169.254.169.254:80', 'connect usage-reporting.api.apollographql.com:443']),
    );
  });
});
