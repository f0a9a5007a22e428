#!/usr/bin/env node
// The public federation gateway benchmark's workload (graphql-hive/graphql-gateways-benchmark: four
// subgraphs with static data, one deep query, an 87,599-byte answer, 16 subgraph fetches), run on
// this machine against Polystore's gateway and its Node peers side by side.
//
//   npm run build                        (Polystore's gateway runs from gateway/dist)
//   node bench/gateway/run.js [--seconds 20] [--warmup 5] [--rounds 3] [--connections 10,50]
//                             [--variants polystore,apollo,hive-off,hive,hive-all,floor] [--no-record]
//   node bench/gateway/run.js --profile [--seconds 20] [--connections 50]
//
// Installs its own dependencies (bench/gateway/package-lock.json: the peers, the fixture subgraphs'
// libraries, autocannon) with `npm ci` when they are missing; nothing is fetched at run time.
//
// Core 0: this process (autocannon), the four fixture subgraphs (each its own process, answering a
// repeated body from a cache) and a throwaway redis-server for Polystore's gateway. Core 1: the
// gateways, each ONE process, all started at the beginning and loaded in turn: for every connection
// count, round after round, each variant gets a warm-up then a measured run (A B C … A B C …).
// Every response is compared byte for byte with that gateway's verified answer. A gateway whose
// verified answer differs from the expected one is reported and not measured.
//
// Records bench/results/gateway.json and bench/results/gateway.md (--no-record: print only);
// --profile records bench/results/gateway-profile.{json,md} (Polystore's gateway under --cpu-prof).
const { execFileSync, spawn } = require('node:child_process');
const {
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { isDeepStrictEqual, parseArgs } = require('node:util');

const benchDir = __dirname;
const root = path.resolve(benchDir, '..', '..');
const resultsDir = path.join(root, 'bench', 'results');

const { values: options } = parseArgs({
  allowNegative: true,
  options: {
    seconds: { type: 'string', default: '20' },
    warmup: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '3' },
    connections: { type: 'string', default: '10,50' },
    variants: { type: 'string', default: 'polystore,apollo,hive-off,hive,hive-all,floor' },
    record: { type: 'boolean', default: true },
    profile: { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
  },
});
const SECONDS = Number(options.seconds);
const WARMUP = Number(options.warmup);
const ROUNDS = Number(options.rounds);
const CONNECTIONS = options.connections.split(',').map(Number);
if (![SECONDS, WARMUP, ROUNDS, ...CONNECTIONS].every((n) => Number.isInteger(n) && n >= 0) || !SECONDS) {
  throw new Error('--seconds, --warmup, --rounds and --connections take whole numbers');
}

/** The gateways under test. `stock` is the one every ratio is taken against. */
const VARIANTS = {
  polystore: { label: "Polystore's gateway (production mode)", dedupe: 'none (has none yet)' },
  apollo: { label: 'stock @apollo/gateway + @apollo/server', dedupe: 'none (has none)', stock: true },
  'hive-off': { label: 'Hive Gateway, dedupe off', dedupe: 'off (outbound and inbound)' },
  hive: { label: 'Hive Gateway, default', dedupe: 'outbound (its default)' },
  'hive-all': { label: 'Hive Gateway, outbound + inbound dedupe', dedupe: 'outbound + inbound (as the public bench)' },
  floor: { label: 'floor: 16 undici calls, pre-serialized answer', dedupe: '—' },
};
const chosen = options.profile ? ['polystore'] : options.variants.split(',');
for (const name of chosen) if (!VARIANTS[name]) throw new Error(`unknown variant ${name}`);
if (chosen.includes('floor') && !chosen.includes('apollo')) throw new Error('the floor replays what apollo sent');

// ---------------------------------------------------------------------------------------------
// Set-up: dependencies, the machine, processes that are always stopped.

function ensureDependencies() {
  const installed = path.join(benchDir, 'node_modules', '.package-lock.json');
  const lock = path.join(benchDir, 'package-lock.json');
  if (existsSync(installed) && statSync(installed).mtimeMs >= statSync(lock).mtimeMs) return;
  const npm = path.join(path.dirname(process.execPath), 'npm');
  process.stderr.write('bench/gateway: installing its dependencies (npm ci)\n');
  execFileSync(existsSync(npm) ? npm : 'npm', ['ci', '--no-audit', '--no-fund'], { cwd: benchDir, stdio: 'inherit' });
}

function checkMachine() {
  if (os.cpus().length < 2 || os.availableParallelism() < 2)
    throw new Error('needs 2 cores: gateways on core 1, everything else on core 0');
  for (const tool of ['taskset', 'redis-server']) {
    try {
      execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    } catch {
      throw new Error(`${tool} is missing (apt-get install -y ${tool === 'taskset' ? 'util-linux' : 'redis-server'})`);
    }
  }
  if (!existsSync(path.join(root, 'gateway', 'dist', 'main.js')))
    throw new Error('gateway/dist is missing: npm run build');
}

const children = new Set();
let tmpDir;

/** Start `command` pinned to `core`, output appended to `log`. */
function start(name, command, args, { core, env, log, ipc = false, cwd = benchDir }) {
  const out = openSync(log, 'a');
  const child = spawn('taskset', ['-c', String(core), command, ...args], {
    cwd,
    env,
    stdio: ['ignore', out, out, ...(ipc ? ['ipc'] : [])],
  });
  child.label = name;
  child.log = log;
  children.add(child);
  child.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  child.exited.then(() => children.delete(child));
  return child;
}

async function stop(child, graceMs = 10_000) {
  if (child.exitCode !== null || child.signalCode !== null) return child.exited;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  const result = await child.exited;
  clearTimeout(timer);
  return result;
}

function killAll() {
  for (const child of children) child.kill('SIGKILL');
}
process.on('exit', killAll);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    process.stderr.write(`\n${signal}: stopping every process the bench started\n`);
    killAll();
    if (tmpDir && !options.keep) rmSync(tmpDir, { recursive: true, force: true });
    process.exit(130);
  });
}

/** Only what the services need: no stray *_URL or secrets from the caller's shell. */
function baseEnv(extra) {
  const env = { PATH: `${path.dirname(process.execPath)}:${process.env.PATH}`, HOME: os.homedir(), LANG: 'C.UTF-8' };
  return { ...env, ...extra };
}

async function freePort() {
  const server = net.createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function waitForPort(port, child, timeoutMs = 90_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${child.label} exited (${child.exitCode}); see ${child.log}`);
    const open = await new Promise((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.end();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${child.label} did not listen on ${port} within ${timeoutMs / 1000} s; see ${child.log}`);
}

// ---------------------------------------------------------------------------------------------
// Measurement: /proc, the subgraphs' counters, the load generator.

const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim());

/** CPU time (user + system, every thread) of a process, in ms. */
function cpuMs(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
}

/** Peak resident memory of a process (VmHWM), in MiB. */
function peakRssMiB(pid) {
  const kib = Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]);
  return Math.round(kib / 1024);
}

const lineCount = (file) => {
  const text = readFileSync(file, 'utf8');
  return { lines: text.split('\n').length - 1, slow: text.split('"msg":"slow operation"').length - 1 };
};

let messageId = 0;
function ask(child, message) {
  const id = ++messageId;
  return new Promise((resolve) => {
    const onMessage = (reply) => {
      if (reply.id !== id) return;
      child.off('message', onMessage);
      resolve(reply);
    };
    child.on('message', onMessage);
    child.send({ ...message, id });
  });
}

async function subgraphRequests(subgraphs) {
  const counts = await Promise.all(Object.values(subgraphs).map((s) => ask(s, { type: 'counts' })));
  return counts.reduce((sum, c) => ({ requests: sum.requests + c.requests, errors: sum.errors + c.errors }), {
    requests: 0,
    errors: 0,
  });
}

const percentile = (sorted, p) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] : 0;
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const round1 = (n) => Math.round(n * 10) / 10;
const round2 = (n) => Math.round(n * 100) / 100;

/**
 * Fixed connections for a fixed time. Every response is compared with `reference`; those that differ
 * are counted (wrong size, carrying `errors`, other), as are non-2xx answers and socket errors.
 */
function load(autocannon, { url, body, connections, seconds, reference }) {
  const latencies = [];
  const bad = { wrongSize: 0, withErrors: 0, otherwiseDifferent: 0 };
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const instance = autocannon(
      {
        url,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        connections,
        duration: seconds,
        timeout: 30,
        verifyBody(received) {
          if (received === reference) return true;
          if (received.includes('"errors"')) bad.withErrors++;
          else if (received.length !== reference.length) bad.wrongSize++;
          else bad.otherwiseDifferent++;
          return false;
        },
      },
      (error, result) => {
        if (error) return reject(error);
        const elapsedS = (performance.now() - started) / 1000;
        latencies.sort((a, b) => a - b);
        resolve({
          responses: latencies.length,
          // sent but unanswered when time was up: autocannon closes their connections
          dropped: Math.max(0, result.requests.sent - latencies.length - result.errors),
          elapsedS,
          rps: latencies.length / elapsedS,
          p50Ms: percentile(latencies, 0.5),
          p95Ms: percentile(latencies, 0.95),
          p99Ms: percentile(latencies, 0.99),
          bad: result.mismatches + result.errors,
          badDetail: {
            ...bad,
            non2xx: result.non2xx,
            socketErrors: result.errors - result.timeouts,
            timeouts: result.timeouts,
          },
        });
      },
    );
    instance.on('response', (_client, _status, _bytes, ms) => latencies.push(ms));
  });
}

// ---------------------------------------------------------------------------------------------

async function main() {
  ensureDependencies();
  checkMachine();
  const autocannon = require('autocannon');
  const workload = require('./workload');
  // This process and the load it generates stay off the gateways' core.
  execFileSync('taskset', ['-a', '-p', '-c', '0', String(process.pid)], { stdio: 'ignore' });

  const perRun = WARMUP + SECONDS + 20; // + settling (at most 15 s) and the counters
  const budgetS = 300 + (options.profile ? perRun : perRun * chosen.length * CONNECTIONS.length * ROUNDS);
  const deadline = setTimeout(() => {
    process.stderr.write(`bench/gateway: over its time budget (${budgetS} s); stopping\n`);
    killAll();
    process.exit(3);
  }, budgetS * 1000);
  deadline.unref();

  const tmp = mkdtempSync(path.join(os.tmpdir(), 'polystore-bench-gateway-'));
  tmpDir = tmp;
  const logs = (name) => path.join(tmp, `${name}.log`);
  process.stderr.write(`bench/gateway: logs in ${tmp}; stops itself after ${Math.round(budgetS / 60)} min at most\n`);

  // The four subgraphs, then the supergraph over their ports.
  const subgraphs = {};
  const urls = {};
  for (const name of workload.SUBGRAPHS) {
    const child = start(`subgraph ${name}`, process.execPath, [path.join(benchDir, 'fixture', 'subgraph.js'), name], {
      core: 0,
      env: baseEnv({ NODE_ENV: 'production' }),
      log: logs(`subgraph-${name}`),
      ipc: true,
    });
    const { port } = await new Promise((resolve, reject) => {
      child.once('message', resolve);
      child.exited.then(() => reject(new Error(`subgraph ${name} exited; see ${child.log}`)));
    });
    subgraphs[name] = child;
    urls[name] = `http://127.0.0.1:${port}/graphql`;
  }
  const supergraphSdl = workload.composeSupergraph(urls);
  const supergraphPath = path.join(tmp, 'supergraph.graphql');
  writeFileSync(supergraphPath, supergraphSdl);
  const query = workload.clientQuery();
  const requestBody = JSON.stringify({ query });
  const expected = await workload.expectedAnswer(query);
  const { plan, fetches: plannedFetches } = workload.queryPlan(supergraphSdl, query);

  // The gateways, each one process on core 1.
  const gateways = {};
  const launch = {
    polystore: async (port) => {
      const redisPort = await freePort();
      const redis = start(
        'redis-server',
        'redis-server',
        ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
        { core: 0, env: baseEnv({}), log: logs('redis') },
      );
      await waitForPort(redisPort, redis);
      const secrets = Object.fromEntries(
        workload.SUBGRAPHS.map((name) => [`${name.toUpperCase()}_SIGNING_SECRET`, `bench-${name}-${'s'.repeat(40)}`]),
      );
      const profileArgs = options.profile ? ['--cpu-prof', `--cpu-prof-dir=${tmp}`] : [];
      return start('polystore', process.execPath, [...profileArgs, path.join(root, 'gateway', 'dist', 'main.js')], {
        core: 1,
        cwd: root,
        log: logs('polystore'),
        env: baseEnv({
          NODE_ENV: 'production',
          HOST: '127.0.0.1',
          PORT: String(port),
          SUPERGRAPH_PATH: supergraphPath,
          // Production runs only safelisted operations: the benchmark query is the one listed here.
          OPERATIONS_DIR: workload.OPERATIONS_DIR,
          GATEWAY_REDIS_URL: `redis://127.0.0.1:${redisPort}`,
          // The bench is one client address: its budget must not be what limits it.
          RATE_LIMIT_POINTS: '1000000000',
          // Its metrics port is otherwise PORT + 5400, which a free port may push past 65535.
          METRICS_PORT: String(await freePort()),
          ...secrets,
        }),
      });
    },
    apollo: (port) =>
      start('apollo', process.execPath, [path.join(benchDir, 'gateways', 'apollo.js')], {
        core: 1,
        log: logs('apollo'),
        env: baseEnv({
          NODE_ENV: 'production',
          PORT: String(port),
          SUPERGRAPH_PATH: supergraphPath,
          APOLLO_TELEMETRY_DISABLED: '1',
        }),
      }),
    hive: (port, dedupe) =>
      start(
        `hive (${dedupe})`,
        process.execPath,
        [
          path.join(benchDir, 'node_modules', '@graphql-hive', 'gateway', 'dist', 'bin.js'),
          'supergraph',
          supergraphPath,
          '--host',
          '127.0.0.1',
          '--port',
          String(port),
          '--fork',
          '1',
          '--config-path',
          path.join(benchDir, 'gateways', 'hive.config.mjs'),
        ],
        { core: 1, log: logs(`hive-${dedupe}`), env: baseEnv({ NODE_ENV: 'production', HIVE_DEDUPE: dedupe }) },
      ),
    floor: (port) => {
      const input = path.join(tmp, 'floor-input.json');
      writeFileSync(input, JSON.stringify({ port, plan: floorNodes, answer: gateways.apollo.answer }));
      return start('floor', process.execPath, [path.join(benchDir, 'gateways', 'floor.js'), input], {
        core: 1,
        log: logs('floor'),
        env: baseEnv({ NODE_ENV: 'production' }),
      });
    },
  };
  let floorNodes;

  /** One request: the answer, the subgraph requests it caused, what is wrong with it. */
  async function verify(name, url, record) {
    const before = await subgraphRequests(subgraphs);
    if (record) await Promise.all(Object.values(subgraphs).map((s) => ask(s, { type: 'record', on: true })));
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: requestBody,
    });
    const answer = await response.text();
    const recorded = {};
    if (record) {
      for (const [subgraph, child] of Object.entries(subgraphs)) {
        recorded[subgraph] = (await ask(child, { type: 'record', on: false })).bodies;
      }
    }
    const after = await subgraphRequests(subgraphs);
    let problem;
    try {
      const parsed = JSON.parse(answer);
      if (response.status !== 200) problem = `HTTP ${response.status}`;
      if (parsed.errors) problem = `errors: ${JSON.stringify(parsed.errors).slice(0, 500)}`;
      else if (!isDeepStrictEqual(parsed.data, expected.data)) problem = 'data differs from the expected answer';
    } catch {
      problem = `HTTP ${response.status}, not JSON: ${answer.slice(0, 200)}`;
    }
    return {
      answer,
      bytes: Buffer.byteLength(answer),
      subgraphRequests: after.requests - before.requests,
      problem,
      recorded,
    };
  }

  for (const name of chosen) {
    const port = await freePort();
    const variant = VARIANTS[name];
    if (name === 'floor') floorNodes = workload.floorPlan(plan, urls, gateways.apollo.recorded);
    const child = name.startsWith('hive')
      ? launch.hive(port, { 'hive-off': 'off', hive: 'outbound', 'hive-all': 'all' }[name])
      : await launch[name](port);
    await waitForPort(port, child);
    const url = `http://127.0.0.1:${port}/graphql`;
    const first = await verify(name, url, name === 'apollo');
    const second = await verify(name, url, false); // planned and warm: what every later request does
    gateways[name] = {
      ...variant,
      name,
      child,
      url,
      ...second,
      firstSubgraphRequests: first.subgraphRequests,
      recorded: first.recorded,
    };
    process.stderr.write(
      `${name}: pid ${child.pid}, ${second.bytes} bytes, ${second.subgraphRequests} subgraph requests` +
        `${second.problem ? ` — NOT MEASURED: ${second.problem}` : ''}\n`,
    );
  }
  const stock = gateways.apollo;
  for (const g of Object.values(gateways)) {
    if (!stock) break;
    g.identicalToStock =
      g.answer === stock.answer
        ? 'yes'
        : g.answer.trimEnd() === stock.answer.trimEnd()
          ? 'but for a final newline'
          : 'no';
  }
  const measured = Object.values(gateways).filter((g) => !g.problem);

  /** Wait until the gateway is quiet: no subgraph request and at most one clock tick of CPU in 500 ms. */
  async function settle(g, timeoutMs = 15_000) {
    const deadline = Date.now() + timeoutMs;
    let last = { cpu: cpuMs(g.child.pid), requests: (await subgraphRequests(subgraphs)).requests };
    while (Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      const now = { cpu: cpuMs(g.child.pid), requests: (await subgraphRequests(subgraphs)).requests };
      if (now.requests === last.requests && now.cpu - last.cpu <= 1000 / CLK_TCK) return;
      last = now;
    }
  }

  /** What a measured run is the difference of: the gateway's CPU and log, the subgraphs' requests, the clock. */
  const snapshot = async (g) => ({
    cpu: cpuMs(g.child.pid),
    load: os.loadavg()[0],
    subgraphs: await subgraphRequests(subgraphs),
    log: lineCount(g.child.log),
    at: process.hrtime.bigint(),
  });

  const runs = [];
  async function measure(g, connections, round) {
    if (WARMUP)
      await load(autocannon, { url: g.url, body: requestBody, connections, seconds: WARMUP, reference: g.answer });
    // What the warm-up left in flight (autocannon drops it when time is up) is not this run's work.
    await settle(g);
    const before = await snapshot(g);
    const result = await load(autocannon, {
      url: g.url,
      body: requestBody,
      connections,
      seconds: SECONDS,
      reference: g.answer,
    });
    const endedAt = process.hrtime.bigint();
    // The requests dropped at the end are still worked on: their CPU is counted, and so are they.
    await settle(g);
    const after = await snapshot(g);
    const handled = result.responses + result.dropped;
    const run = {
      variant: g.name,
      connections,
      round,
      ...result,
      cpuMsPerRequest: handled ? (after.cpu - before.cpu) / handled : null,
      peakRssMiB: peakRssMiB(g.child.pid),
      subgraphRequestsPerRequest: handled ? (after.subgraphs.requests - before.subgraphs.requests) / handled : null,
      logLines: after.log.lines - before.log.lines,
      slowOperationLines: after.log.slow - before.log.slow,
      loadAverage: { before: round2(before.load), after: round2(after.load) },
      windowUs: [Number(before.at / 1000n), Number(endedAt / 1000n)],
    };
    runs.push(run);
    process.stderr.write(
      `  ${connections} conn. round ${round} ${g.name}: ${round1(run.rps)} rps, p99 ${round1(run.p99Ms)} ms, ` +
        `${round2(run.cpuMsPerRequest)} ms CPU/req, ${run.peakRssMiB} MiB, bad ${run.bad}, ` +
        `load ${run.loadAverage.before}→${run.loadAverage.after}\n`,
    );
    return run;
  }

  if (options.profile) {
    const g = gateways.polystore;
    if (g.problem) throw new Error(`polystore answered wrongly: ${g.problem}`);
    const connections = Math.max(...CONNECTIONS);
    const run = await measure(g, connections, 1);
    await stop(g.child);
    const { summarizeProfile, profileMarkdown } = require('./profile');
    const file = require('node:fs')
      .readdirSync(tmp)
      .find((f) => f.endsWith('.cpuprofile'));
    if (!file) throw new Error(`no .cpuprofile written in ${tmp}`);
    const summary = summarizeProfile(JSON.parse(readFileSync(path.join(tmp, file), 'utf8')), run.windowUs);
    const report = {
      date: new Date().toISOString(),
      machine: machine(),
      node: process.version,
      command: `node bench/gateway/run.js --profile --seconds ${SECONDS} --connections ${connections}`,
      gatewayCommit: gitCommit(),
      run,
      ...summary,
    };
    console.log(profileMarkdown(report));
    if (options.record) {
      mkdirSync(resultsDir, { recursive: true });
      await writeResult('gateway-profile.json', `${JSON.stringify(report, null, 2)}\n`);
      await writeResult('gateway-profile.md', profileMarkdown(report));
    }
    await shutdown(tmp);
    return;
  }

  for (const connections of CONNECTIONS) {
    for (let round = 1; round <= ROUNDS; round++) {
      for (const g of measured) await measure(g, connections, round);
    }
  }

  const summary = summarize(gateways, runs);
  const report = {
    date: new Date().toISOString(),
    machine: machine(),
    node: process.version,
    command: `node bench/gateway/run.js --seconds ${SECONDS} --warmup ${WARMUP} --rounds ${ROUNDS} --connections ${CONNECTIONS.join(',')} --variants ${chosen.join(',')}`,
    pinning: 'gateways on core 1 (taskset -c 1), one process each; subgraphs, redis-server and autocannon on core 0',
    versions: versions(),
    workload: {
      answerBytes: Buffer.byteLength(JSON.stringify(expected)),
      plannedFetches,
      request: 'POST {"query": <TestQuery, printed by graphql-js>}',
    },
    gateways: Object.values(gateways).map((g) => ({
      variant: g.name,
      label: g.label,
      dedupe: g.dedupe,
      answerBytes: g.bytes,
      identicalToStock: g.identicalToStock,
      subgraphRequestsFirst: g.firstSubgraphRequests,
      subgraphRequestsWarm: g.subgraphRequests,
      problem: g.problem ?? null,
    })),
    summary,
    runs,
  };
  const markdown = resultsMarkdown(report);
  console.log(markdown);
  if (options.record) {
    mkdirSync(resultsDir, { recursive: true });
    await writeResult('gateway.json', `${JSON.stringify(report, null, 2)}\n`);
    await writeResult('gateway.md', markdown);
  }
  await shutdown(tmp);
}

/** A file of bench/results, formatted by the repository's Prettier (its format check covers them). */
async function writeResult(name, text) {
  const file = path.join(resultsDir, name);
  let formatted = text;
  try {
    const prettier = require(require.resolve('prettier', { paths: [root] }));
    formatted = await prettier.format(text, { ...(await prettier.resolveConfig(file)), filepath: file });
  } catch (error) {
    process.stderr.write(`bench/gateway: ${name} left unformatted (${error.message})\n`);
  }
  writeFileSync(file, formatted);
}

async function shutdown(tmp) {
  await Promise.all([...children].map((child) => stop(child)));
  if (!options.keep) rmSync(tmp, { recursive: true, force: true });
  else process.stderr.write(`bench/gateway: kept ${tmp}\n`);
}

/** Medians over rounds per variant and connection count; ratios to stock and to the floor. */
function summarize(gateways, runs) {
  const rows = [];
  for (const connections of CONNECTIONS) {
    for (const g of Object.values(gateways)) {
      const mine = runs.filter((r) => r.variant === g.name && r.connections === connections);
      if (!mine.length) continue;
      rows.push({
        variant: g.name,
        connections,
        rounds: mine.length,
        rps: round1(median(mine.map((r) => r.rps))),
        p50Ms: round1(median(mine.map((r) => r.p50Ms))),
        p95Ms: round1(median(mine.map((r) => r.p95Ms))),
        p99Ms: round1(median(mine.map((r) => r.p99Ms))),
        cpuMsPerRequest: round2(median(mine.map((r) => r.cpuMsPerRequest))),
        peakRssMiB: Math.max(...mine.map((r) => r.peakRssMiB)),
        subgraphRequestsPerRequest: round1(median(mine.map((r) => r.subgraphRequestsPerRequest))),
        bad: mine.reduce((sum, r) => sum + r.bad, 0),
        logLinesPerRound: Math.round(median(mine.map((r) => r.logLines))),
        slowOperationLinesPerRound: Math.round(median(mine.map((r) => r.slowOperationLines))),
        rpsPerRound: mine.map((r) => round1(r.rps)),
        loadAverages: mine.map((r) => [r.loadAverage.before, r.loadAverage.after]),
      });
    }
  }
  for (const row of rows) {
    const stock = rows.find((r) => r.variant === 'apollo' && r.connections === row.connections);
    const floor = rows.find((r) => r.variant === 'floor' && r.connections === row.connections);
    if (stock) {
      row.vsStock = {
        rps: round2(row.rps / stock.rps),
        p99: round2(row.p99Ms / stock.p99Ms),
        cpuPerRequest: round2(row.cpuMsPerRequest / stock.cpuMsPerRequest),
        peakRss: round2(row.peakRssMiB / stock.peakRssMiB),
      };
    }
    if (floor && row.variant !== 'floor') row.cpuVsFloor = round2(row.cpuMsPerRequest / floor.cpuMsPerRequest);
  }
  return rows;
}

function resultsMarkdown(report) {
  const label = (variant) => report.gateways.find((g) => g.variant === variant).label;
  const lines = [
    `# bench/gateway — ${report.date.slice(0, 10)}`,
    '',
    `${report.machine}; Node ${report.node}; ${report.pinning}.`,
    `Command: \`${report.command}\`. Answer ${report.workload.answerBytes} bytes, ${report.workload.plannedFetches} fetches in the plan.`,
    '',
    '| gateway | dedupe | answer bytes | = stock | subgraph requests (1 request) | problem |',
    '|---|---|---|---|---|---|',
    ...report.gateways.map(
      (g) =>
        `| ${g.label} | ${g.dedupe} | ${g.answerBytes} | ${g.identicalToStock ?? '—'} | ${g.subgraphRequestsWarm} | ${g.problem ?? '—'} |`,
    ),
    '',
  ];
  for (const connections of CONNECTIONS) {
    lines.push(
      `## ${connections} connections (median of ${ROUNDS} rounds of ${SECONDS} s)`,
      '',
      '| gateway | rps | × stock | p50 ms | p95 ms | p99 ms | CPU ms/req | × stock | × floor | peak RSS MiB | × stock | subgraph req/req | bad | log lines/round | rps per round | load avg before→after |',
      '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
    );
    for (const r of report.summary.filter((row) => row.connections === connections)) {
      lines.push(
        `| ${label(r.variant)} | ${r.rps} | ${r.vsStock?.rps ?? '—'} | ${r.p50Ms} | ${r.p95Ms} | ${r.p99Ms} | ${r.cpuMsPerRequest} | ` +
          `${r.vsStock?.cpuPerRequest ?? '—'} | ${r.cpuVsFloor ?? '—'} | ${r.variant === 'floor' ? '—' : r.peakRssMiB} | ` +
          `${r.variant === 'floor' ? '—' : (r.vsStock?.peakRss ?? '—')} | ${r.subgraphRequestsPerRequest} | ${r.bad} | ` +
          `${r.logLinesPerRound}${r.slowOperationLinesPerRound ? ` (${r.slowOperationLinesPerRound} slow op.)` : ''} | ` +
          `${r.rpsPerRound.join(' / ')} | ${r.loadAverages.map(([a, b]) => `${a}→${b}`).join(', ')} |`,
      );
    }
    lines.push('');
  }
  return `${lines.join('\n')}\n`;
}

function machine() {
  return `${os.cpus().length} × ${os.cpus()[0]?.model.trim()}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.type()} ${os.release()}`;
}

function gitCommit() {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root }).toString().trim();
  } catch {
    return 'unknown';
  }
}

function versions() {
  /** The version of `pkg` as Node resolves it from `from`. */
  const version = (pkg, from) => {
    for (let dir = from; dir !== path.dirname(dir); dir = path.dirname(dir)) {
      const manifest = path.join(dir, 'node_modules', pkg, 'package.json');
      if (existsSync(manifest)) return JSON.parse(readFileSync(manifest, 'utf8')).version;
    }
    return 'missing';
  };
  return {
    polystore: gitCommit(),
    polystoreApolloGateway: version('@apollo/gateway', path.join(root, 'gateway')),
    polystoreApolloServer: version('@apollo/server', path.join(root, 'gateway')),
    stockApolloGateway: version('@apollo/gateway', benchDir),
    stockApolloServer: version('@apollo/server', benchDir),
    hiveGateway: version('@graphql-hive/gateway', benchDir),
    autocannon: version('autocannon', benchDir),
    redis: execFileSync('redis-server', ['--version']).toString().trim(),
  };
}

main().catch((error) => {
  console.error(error);
  killAll();
  process.exit(1);
});
