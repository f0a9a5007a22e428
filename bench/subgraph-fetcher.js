#!/usr/bin/env node
// CPU the gateway spends per subgraph call, by HTTP client: Polystore's subgraph client (undici pool,
// deadline, breaker), make-fetch-happen as @apollo/gateway configures it by default, and Node's fetch.
// Every variant signs its requests as the gateway does. The fake subgraph runs in a child process so
// only the client's CPU is counted.
//
//   npm run build && node bench/subgraph-fetcher.js [calls=20000] [concurrency=8]
//
// The variants take turns for three rounds; each figure is the median of its rounds (the machine may
// be doing other work). Writes bench/results/subgraph-fetcher.json and prints a table.
const { fork } = require('node:child_process');
const { mkdirSync, writeFileSync } = require('node:fs');
const os = require('node:os');
const path = require('node:path');

if (process.argv[2] === '--serve') {
  const body = JSON.stringify({
    data: {
      _entities: Array.from({ length: 10 }, (_, i) => ({
        __typename: 'Product',
        id: `p-${i}`,
        name: `Lamp ${i}`,
        price: { amount: 1000 + i, currency: 'EUR' },
      })),
    },
  });
  const server = require('node:http').createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
  });
  server.keepAliveTimeout = 65_000;
  server.listen(0, '127.0.0.1', () => process.send(server.address().port));
  return;
}

const root = path.resolve(__dirname, '..');
const { createSubgraphClient } = require(path.join(root, 'gateway/dist/fetcher.js'));
const { signingFetcher } = require(path.join(root, 'gateway/dist/subgraph-source.js'));
const makeFetchHappen = require(require.resolve('make-fetch-happen', { paths: [path.join(root, 'gateway')] }));

const CALLS = Number(process.argv[2] ?? 20_000);
const CONCURRENCY = Number(process.argv[3] ?? 8);
const SECRET = 'bench-signing-secret-0123456789abcdefgh';
const BODY = JSON.stringify({
  query:
    'query W__catalog__1($representations:[_Any!]!){_entities(representations:$representations){...on Product{name price{amount currency}}}}',
  variables: { representations: Array.from({ length: 10 }, (_, i) => ({ __typename: 'Product', id: `p-${i}` })) },
});
const HEADERS = { 'content-type': 'application/json', 'x-request-id': 'bench' };

async function measure(name, fetcher, url) {
  const call = async () => {
    const response = await fetcher(url, {
      method: 'POST',
      headers: { ...HEADERS, 'x-polystore-retryable': '1' },
      body: BODY,
    });
    if (response.status !== 200) throw new Error(`${name}: HTTP ${response.status}`);
    await response.json();
  };
  const run = async (n) => {
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next++ < n) await call();
      }),
    );
  };
  await run(2000); // warm: connections open, code optimised
  const cpu = process.cpuUsage();
  const started = performance.now();
  await run(CALLS);
  const wallMs = performance.now() - started;
  const used = process.cpuUsage(cpu);
  return {
    client: name,
    cpuMicrosPerCall: +((used.user + used.system) / CALLS).toFixed(1),
    callsPerSecond: Math.round(CALLS / (wallMs / 1000)),
  };
}

async function main() {
  const child = fork(__filename, ['--serve'], { stdio: 'inherit' });
  const port = await new Promise((resolve) => child.once('message', resolve));
  const url = `http://127.0.0.1:${port}/graphql`;
  const polystore = createSubgraphClient({
    name: 'catalog',
    url,
    settings: {
      timeoutMs: 5000,
      retries: 2,
      connections: 32,
      breaker: { errorThresholdPercentage: 50, volumeThreshold: 10, resetTimeoutMs: 5000 },
    },
  });
  const variants = [
    ['polystore (undici pool + deadline + breaker)', signingFetcher(SECRET, polystore.fetcher)],
    [
      'make-fetch-happen (@apollo/gateway default)',
      signingFetcher(SECRET, makeFetchHappen.defaults({ maxSockets: Infinity, retry: false })),
    ],
    ["Node's fetch", signingFetcher(SECRET, fetch)],
  ];
  const rounds = variants.map(() => []);
  try {
    for (let round = 0; round < 3; round++) {
      for (const [i, [name, fetcher]] of variants.entries()) rounds[i].push(await measure(name, fetcher, url));
    }
  } finally {
    await polystore.close();
    child.kill();
  }
  const median = (values) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)];
  const results = variants.map(([name], i) => ({
    client: name,
    cpuMicrosPerCall: median(rounds[i].map((r) => r.cpuMicrosPerCall)),
    callsPerSecond: median(rounds[i].map((r) => r.callsPerSecond)),
  }));
  const report = {
    machine: `${os.cpus().length} × ${os.cpus()[0]?.model.trim()}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.type()} ${os.release()}`,
    node: process.version,
    command: `node bench/subgraph-fetcher.js ${CALLS} ${CONCURRENCY}`,
    date: new Date().toISOString(),
    calls: CALLS,
    concurrency: CONCURRENCY,
    results,
  };
  mkdirSync(path.join(__dirname, 'results'), { recursive: true });
  writeFileSync(path.join(__dirname, 'results', 'subgraph-fetcher.json'), `${JSON.stringify(report, null, 2)}\n`);
  console.log(`${report.machine}, Node ${report.node}; ${CALLS} calls, ${CONCURRENCY} in flight`);
  console.table(results);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
