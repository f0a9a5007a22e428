#!/usr/bin/env node
// A burst of sign-ups against the real gateway and accounts processes, with the production scrypt
// cost (2^17), while signed-in clients keep signing in and reading `me`: are reads answered, is
// every sign-up either created (and told so) or refused with RATE_LIMITED (and not created), and
// how slow are sign-in and `me` during the burst?
//
//   npm run build
//   node bench/signup-burst.js [signups=50] [readers=8] [rounds=3] [--root DIR] [--label NAME]
//
// `readers` signed-in users read `me` in a loop all along. Each round, those users sign in again
// (each from a second device of its own) all at once, alone; 3 s later `signups` distinct
// sign-ups are sent at once with the users' sign-ins spread evenly among them. The two volleys
// ask the hasher for the same sign-ins: what the burst changes for existing users is the
// difference between them. Figures "during the burst" are those of requests started while a
// round's sign-ups were unanswered.
//
// It starts `gateway/dist/main.js` and `subgraphs/accounts/dist/main.js` of DIR (default: this
// checkout; e.g. a build of main, for comparison) on free ports (never 4000-4006), against a fresh
// `accounts_t_<suffix>` database on the local stack's PostgreSQL (provisioned and migrated as the
// tests' global setup does) and key prefixes `acc:t_<suffix>:` / `gw:t_<suffix>:` in its Redis; it
// drops all of them at the end. The other subgraphs are not started (no operation here needs them).
// Each client has its own address (X-Forwarded-For from loopback, which the gateway trusts here), as
// 50 browsers would. Metrics are read from each process's own metrics port (METRICS_PORT, a free
// one). Prints the machine, the command and the figures; writes bench/results/signup-burst[-NAME].json.
const { spawn } = require('node:child_process');
const { randomBytes } = require('node:crypto');
const { existsSync, mkdirSync, readFileSync, writeFileSync } = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { setTimeout: sleep } = require('node:timers/promises');

const here = path.resolve(__dirname, '..');
const { provisionDatabase, roleFromUrl } = require(path.join(here, 'tools/dist/provision.js'));
const { PRISMA_SERVICES } = require(path.join(here, 'tools/dist/migrate.js'));
const { deploy } = require(path.join(here, 'tools/dist/prisma-migrate.js'));
const pg = require('pg');
const { Redis } = require('ioredis');
const { sum } = require('./prometheus-text');

const args = process.argv.slice(2);
const option = (name) => {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const [, value] = args.splice(i, 2);
  return value;
};
const root = path.resolve(option('--root') ?? here);
const label = option('--label');
const signups = Number(args[0] ?? 50);
const readers = Number(args[1] ?? 8);
const rounds = Number(args[2] ?? 3);
const PASSWORD = 'a long enough bench secret';
const SUBGRAPHS = ['accounts', 'catalog', 'cart', 'orders', 'payments', 'search'];

/** The local stack's connection variables: the environment first, then .data/stack.env. */
function stackEnv() {
  const out = {};
  const file = path.join(here, '.data', 'stack.env');
  if (existsSync(file)) {
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
      if (m) out[m[1]] = m[2].replace(/^'(.*)'$/, '$1');
    }
  }
  for (const [k, v] of Object.entries(process.env)) if (v && /_(URL|PASSWORD|SECRET)$/.test(k)) out[k] = v;
  for (const k of ['POSTGRES_ADMIN_URL', 'ACCOUNTS_DATABASE_URL', 'ACCOUNTS_MIGRATE_DATABASE_URL']) {
    if (!out[k]) throw new Error(`${k} is not set: start the stores (scripts/stack up) or link .data/stack.env`);
  }
  return out;
}

const withDatabase = (url, database) => Object.assign(new URL(url), { pathname: `/${database}` }).toString();

const taken = new Set();
/** A port nothing listens on, outside 4000-4006, and not handed out before by this run. */
async function freePort() {
  for (;;) {
    const port = await new Promise((resolve, reject) => {
      const server = net.createServer().once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const { port: p } = server.address();
        server.close(() => resolve(p));
      });
    });
    if ((port < 4000 || port > 4006) && !taken.has(port)) {
      taken.add(port);
      return port;
    }
  }
}

function start(name, script, env) {
  const child = spawn(process.execPath, [script], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr = (stderr + chunk).slice(-4000)));
  child.on('exit', (code, signal) => {
    if (!child.stopping) console.error(`${name} exited (${code ?? signal}): ${stderr}`);
  });
  return {
    child,
    async stop() {
      child.stopping = true;
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    },
  };
}

async function waitFor(what, check, timeoutMs = 60_000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // not yet
    }
    if (Date.now() > until) throw new Error(`${what} did not come up`);
    await sleep(200);
  }
}

/** A browser-like client of the gateway: its own address, its own cookie jar. */
class Client {
  constructor(url, address) {
    this.url = url;
    this.address = address;
    this.cookies = new Map();
  }

  async gql(query, variables) {
    const cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const started = performance.now();
    let status = -1;
    let body;
    try {
      const response = await fetch(this.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-forwarded-for': this.address,
          ...(cookie ? { cookie } : {}),
        },
        body: JSON.stringify({ query, variables }),
      });
      status = response.status;
      for (const line of response.headers.getSetCookie()) {
        const [pair, ...attributes] = line.split(';').map((s) => s.trim());
        const eq = pair.indexOf('=');
        const value = decodeURIComponent(pair.slice(eq + 1));
        if (value === '' || attributes.some((a) => /^max-age=0$/i.test(a))) this.cookies.delete(pair.slice(0, eq));
        else this.cookies.set(pair.slice(0, eq), value);
      }
      body = await response.json();
    } catch (error) {
      body = { errors: [{ message: error.message, extensions: { code: 'TRANSPORT' } }] };
    }
    const ms = performance.now() - started;
    const code = body.errors?.[0]?.extensions?.code;
    return { status, body, ms, code, at: started };
  }
}

const SIGN_UP = 'mutation SignUp($input: SignUpInput!) { signUp(input: $input) { id email } }';
const SIGN_IN = 'mutation SignIn($input: SignInInput!) { signIn(input: $input) { user { id } } }';
const ME = 'query Me { me { id } }';

function percentile(values, p) {
  if (!values.length) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return Math.round(sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]);
}

/** p50, p99 and the maximum of some latencies (ms). */
const latency = (values) => ({
  p50: percentile(values, 50),
  p99: percentile(values, 99),
  max: percentile(values, 100),
});

async function main() {
  const env = stackEnv();
  const suffix = `${Date.now().toString(36).padStart(8, '0')}${randomBytes(3).toString('hex').slice(0, 5)}`;
  const database = `accounts_t_${suffix}`;
  const appUrl = withDatabase(env.ACCOUNTS_DATABASE_URL, database);
  const ownerUrl = withDatabase(env.ACCOUNTS_MIGRATE_DATABASE_URL, database);
  const prefixes = { accounts: `acc:t_${suffix}:`, gateway: `gw:t_${suffix}:` };
  const service = PRISMA_SERVICES.find((s) => s.name === 'accounts');
  const processes = [];
  const cleanups = [];
  const cleanup = async () => {
    for (const p of processes.reverse()) await p.stop();
    for (const c of cleanups.reverse()) await c().catch((e) => console.error(`cleanup: ${e.message}`));
  };
  process.once('SIGINT', () => cleanup().then(() => process.exit(130)));

  try {
    await provisionDatabase(env.POSTGRES_ADMIN_URL, {
      database,
      owner: roleFromUrl(env.ACCOUNTS_MIGRATE_DATABASE_URL),
      app: roleFromUrl(env.ACCOUNTS_DATABASE_URL),
    });
    cleanups.push(async () => {
      const admin = new pg.Client({ connectionString: env.POSTGRES_ADMIN_URL });
      await admin.connect();
      await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(database)} WITH (FORCE)`);
      await admin.end();
    });
    await deploy({ ...service, databaseUrl: ownerUrl, log: () => {} });
    for (const [space, urlVar] of [
      ['accounts', 'ACCOUNTS_REDIS_URL'],
      ['gateway', 'GATEWAY_REDIS_URL'],
    ]) {
      cleanups.push(async () => {
        const redis = new Redis(env[urlVar], { enableReadyCheck: false, maxRetriesPerRequest: 2 });
        let cursor = '0';
        do {
          const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefixes[space]}*`, 'COUNT', 1000);
          cursor = next;
          if (keys.length) await redis.del(...keys);
        } while (cursor !== '0');
        redis.disconnect();
      });
    }

    const [accountsPort, gatewayPort, nowherePort] = [await freePort(), await freePort(), await freePort()];
    const metricsPorts = { accounts: await freePort(), gateway: await freePort() };
    const secrets = Object.fromEntries(SUBGRAPHS.map((s) => [s, randomBytes(24).toString('base64url')]));
    const gatewayUrl = `http://127.0.0.1:${gatewayPort}/graphql`;
    const accountsUrl = `http://127.0.0.1:${accountsPort}/graphql`;
    const base = { PATH: process.env.PATH, NODE_ENV: 'development', LOG_LEVEL: 'warn', HOST: '127.0.0.1' };
    const passthrough = Object.fromEntries(
      Object.entries(process.env).filter(([k]) => /^(PASSWORD_HASH_|SIGN_UP_|SIGN_IN_|SUBGRAPH_)/.test(k)),
    );
    processes.push(
      start('accounts', path.join(root, 'subgraphs/accounts/dist/main.js'), {
        ...base,
        PORT: String(accountsPort),
        METRICS_PORT: String(metricsPorts.accounts),
        ACCOUNTS_DATABASE_URL: appUrl,
        ACCOUNTS_REDIS_URL: env.ACCOUNTS_REDIS_URL,
        ACCOUNTS_REDIS_PREFIX: prefixes.accounts,
        ACCOUNTS_SIGNING_SECRET: secrets.accounts,
        GRAPH_URL: gatewayUrl,
        PASSWORD_SCRYPT_LOG_N: '17',
        ...passthrough,
      }),
    );
    await waitFor('accounts', async () => (await fetch(`http://127.0.0.1:${accountsPort}/readyz`)).ok);
    processes.push(
      start('gateway', path.join(root, 'gateway/dist/main.js'), {
        ...base,
        APOLLO_TELEMETRY_DISABLED: 'true',
        PORT: String(gatewayPort),
        METRICS_PORT: String(metricsPorts.gateway),
        ...Object.fromEntries(SUBGRAPHS.map((s) => [`${s.toUpperCase()}_SIGNING_SECRET`, secrets[s]])),
        ...Object.fromEntries(
          SUBGRAPHS.map((s) => [
            `${s.toUpperCase()}_URL`,
            s === 'accounts' ? accountsUrl : `http://127.0.0.1:${nowherePort}/graphql`,
          ]),
        ),
        GATEWAY_REDIS_URL: env.GATEWAY_REDIS_URL,
        GATEWAY_REDIS_PREFIX: prefixes.gateway,
        COOKIE_SECURE: 'false',
        TRUST_PROXY: 'loopback',
        RATE_LIMIT_POINTS: '100000000',
        EXPLORER: 'false',
        ...passthrough,
      }),
    );
    await waitFor('gateway', async () => {
      const res = await new Client(gatewayUrl, '198.18.0.1').gql('{ __typename }');
      return res.status === 200;
    });

    // The readers: signed up and signed in before the burst, each from its own address.
    const users = [];
    for (let i = 0; i < readers; i++) {
      const client = new Client(gatewayUrl, `198.18.1.${i + 1}`);
      const email = `reader-${i}@bench.example`;
      const up = await client.gql(SIGN_UP, { input: { email, name: `Reader ${i}`, password: PASSWORD } });
      if (!up.body.data?.signUp) throw new Error(`reader sign-up failed: ${JSON.stringify(up.body.errors)}`);
      const signedIn = await client.gql(SIGN_IN, { input: { email, password: PASSWORD } });
      if (!signedIn.body.data?.signIn)
        throw new Error(`reader sign-in failed: ${JSON.stringify(signedIn.body.errors)}`);
      users.push({ client, email, id: up.body.data.signUp.id });
    }
    const samples = [];
    let stopping = false;
    // Each reader reads `me` over and over, signed in since before the first round.
    const loops = users.map(async ({ client, id }) => {
      while (!stopping) {
        const me = await client.gql(ME);
        samples.push({ op: 'me', ...me, ok: me.status === 200 && !me.body.errors && me.body.data?.me?.id === id });
      }
    });
    // The same users sign in again, each from a second client of its own (another device), in
    // volleys: all of them at once, either alone or among a round's sign-ups.
    const devices = users.map(({ email }, i) => ({ email, client: new Client(gatewayUrl, `198.18.2.${i + 1}`) }));
    const signIn = async ({ client, email }, op) => {
      const res = await client.gql(SIGN_IN, { input: { email, password: PASSWORD } });
      samples.push({ op, ...res, ok: res.status === 200 && !!res.body.data?.signIn && !res.body.errors });
    };

    const windows = [];
    const attempts = [];
    await sleep(1500);
    for (let round = 0; round < rounds; round++) {
      await Promise.all(devices.map((device) => signIn(device, 'signInQuiet')));
      await sleep(3000); // the pool drains before the burst
      const started = performance.now();
      const signUp = async (i) => {
        const email = `burst-${round}-${i}@bench.example`;
        const client = new Client(gatewayUrl, `198.19.${round}.${i + 1}`);
        const res = await client.gql(SIGN_UP, { input: { email, name: `Burst ${i}`, password: PASSWORD } });
        attempts.push({ email, ...res });
      };
      // the sign-ins spread evenly among the sign-ups, all sent at once
      const every = Math.max(1, Math.floor(signups / devices.length));
      const sent = [];
      for (let i = 0; i < signups; i++) {
        sent.push(signUp(i));
        const next = (i + 1) / every; // after every `every` sign-ups, the next user signs in
        if (Number.isInteger(next) && next <= devices.length) sent.push(signIn(devices[next - 1], 'signInBurst'));
      }
      await Promise.all(sent);
      windows.push({ from: started, to: performance.now() });
      process.stderr.write(`round ${round + 1}: ${Math.round(performance.now() - started)} ms\n`);
      await sleep(3000); // the pool drains before the next round
    }
    stopping = true;
    await Promise.all(loops);

    // What each sign-up was told, against what the database holds.
    const db = new pg.Client({ connectionString: appUrl });
    await db.connect();
    const rows = new Map(
      (await db.query('SELECT id, email FROM users WHERE email = ANY($1)', [attempts.map((a) => a.email)])).rows.map(
        (r) => [r.email, r.id],
      ),
    );
    await db.end();
    const outcome = { createdAndTold: 0, refusedNotCreated: 0, toldCreatedButMissing: 0, refusedButCreated: 0 };
    const otherAnswers = {};
    for (const a of attempts) {
      const told = a.status === 200 && a.body.data?.signUp?.id;
      if (told) {
        if (rows.get(a.email) === a.body.data.signUp.id) outcome.createdAndTold++;
        else outcome.toldCreatedButMissing++;
      } else if (a.code === 'RATE_LIMITED') {
        if (rows.has(a.email)) outcome.refusedButCreated++;
        else outcome.refusedNotCreated++;
      } else {
        const key = `${a.code ?? `http_${a.status}`}: ${rows.has(a.email) ? 'created' : 'not created'}`;
        otherAnswers[key] = (otherAnswers[key] ?? 0) + 1;
      }
    }

    const during = (s) => windows.some((w) => s.at >= w.from && s.at <= w.to);
    const stats = (op, when = during) => {
      const inBurst = samples.filter((s) => s.op === op && when(s));
      const failures = {};
      const messages = {}; // of the failures other than RATE_LIMITED
      for (const s of inBurst.filter((x) => !x.ok)) {
        const code = s.code ?? `http_${s.status}`;
        failures[code] = (failures[code] ?? 0) + 1;
        const message = s.body.errors?.[0]?.message;
        if (code !== 'RATE_LIMITED' && message) messages[message] = (messages[message] ?? 0) + 1;
      }
      const answered = inBurst.filter((s) => s.ok).map((s) => s.ms);
      const { p50, p99, max } = latency(inBurst.map((s) => s.ms));
      return {
        requests: inBurst.length,
        ok: answered.length,
        failures,
        ...(Object.keys(messages).length ? { messages } : {}),
        p50Ms: p50,
        p99Ms: p99,
        p99OkMs: percentile(answered, 99),
        maxMs: max,
      };
    };
    const scrape = async (port) => {
      const response = await fetch(`http://127.0.0.1:${port}/metrics`);
      if (!response.ok) throw new Error(`metrics on port ${port} answered ${response.status}`);
      return response.text();
    };
    const gatewayMetrics = await scrape(metricsPorts.gateway);
    const accountsMetrics = await scrape(metricsPorts.accounts);
    const report = {
      date: new Date().toISOString(),
      machine: `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, load ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
      node: process.version,
      command: `node bench/signup-burst.js ${signups} ${readers} ${rounds}${root !== here ? ` --root ${root}` : ''}${label ? ` --label ${label}` : ''}`,
      code: label ?? 'this checkout',
      setup:
        'gateway + accounts from dist/main.js on free ports, fresh accounts database and Redis prefixes on the local stack, scrypt 2^17, each client its own X-Forwarded-For address',
      settings: passthrough,
      burstWindowsMs: windows.map((w) => Math.round(w.to - w.from)),
      signUps: { total: attempts.length, ...outcome, otherAnswers },
      signUpLatencyMs: {
        ...latency(attempts.map((a) => a.ms)),
        refusedP99: percentile(
          attempts.filter((a) => a.code === 'RATE_LIMITED').map((a) => a.ms),
          99,
        ),
      },
      signIn: {
        amongTheSignUps: stats('signInBurst', () => true),
        alone: stats('signInQuiet', () => true),
      },
      me: {
        duringBurst: stats('me'),
        outsideBurst: stats('me', (s) => !during(s)),
        wholeRun: stats('me', () => true),
      },
      accountsBreakerOpened: sum(gatewayMetrics, 'subgraph_breaker_state', { subgraph: 'accounts' }) === 2,
      gatewayAccountsFetchOutcomes: Object.fromEntries(
        ['ok', 'timeout', 'circuit_open', 'unreachable', 'http_5xx'].map((o) => [
          o,
          sum(gatewayMetrics, 'subgraph_fetch_duration_seconds_count', { subgraph: 'accounts', outcome: o }),
        ]),
      ),
      passwordHashesRefused: Object.fromEntries(
        ['hash', 'verify'].map((operation) => [
          operation,
          Object.fromEntries(
            ['queue_full', 'slow', 'timeout'].map((reason) => [
              reason,
              sum(accountsMetrics, 'password_hash_refused_total', { operation, reason }),
            ]),
          ),
        ]),
      ),
      passwordHashMs: Object.fromEntries(
        ['hash', 'verify'].map((operation) => {
          const count = sum(accountsMetrics, 'password_hash_duration_seconds_count', { operation });
          const total = sum(accountsMetrics, 'password_hash_duration_seconds_sum', { operation });
          return [operation, { count, meanMsWaitIncluded: count ? Math.round((total / count) * 1000) : null }];
        }),
      ),
    };
    console.log(JSON.stringify(report, null, 2));
    mkdirSync(path.join(__dirname, 'results'), { recursive: true });
    writeFileSync(
      path.join(__dirname, 'results', `signup-burst${label ? `-${label}` : ''}.json`),
      `${JSON.stringify(report, null, 2)}\n`,
    );
  } finally {
    await cleanup();
  }
}

main().catch((error) => {
  console.error(error.stack ?? error.message);
  process.exit(1);
});
