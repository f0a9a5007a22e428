#!/usr/bin/env node
// Throughput and latency of the storefront's own operations through the running product: the
// gateway, every subgraph and the real local stores, on the sample data. Operations are sent as a
// production client sends them (by their safelisted hash); signed-in ones carry a sample customer's
// session cookies.
//
//   RATE_LIMIT_POINTS=100000000 scripts/start --detach     (the bench is one client: lift its quota)
//   node bench/storefront.js [seconds=15] [connections=16]
// It reads the gateway's own counters from its metrics port (GATEWAY_METRICS_URL, default
// http://127.0.0.1:9400/metrics; METRICS_TOKEN when the port wants one).
//
// Prints the machine, the command and a table; writes bench/results/storefront.json.
const { mkdirSync, writeFileSync } = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const autocannon = require('autocannon');
const { sum } = require('./prometheus-text');
const { body, post: postTo, storefront } = require('./storefront-operations');

const url = process.env.GATEWAY_URL ?? 'http://127.0.0.1:4000/graphql';
const seconds = Number(process.argv[2] ?? 15);
const connections = Number(process.argv[3] ?? 16);
const post = (name, variables, cookie) => postTo(url, name, variables, cookie);

const metricsUrl = process.env.GATEWAY_METRICS_URL ?? 'http://127.0.0.1:9400/metrics';
const metricsHeaders = process.env.METRICS_TOKEN ? { authorization: `Bearer ${process.env.METRICS_TOKEN}` } : {};
async function metrics() {
  const response = await fetch(metricsUrl, { headers: metricsHeaders });
  if (!response.ok) throw new Error(`${metricsUrl} answered ${response.status}`);
  return response.text();
}

async function rss() {
  return Math.round(sum(await metrics(), 'process_resident_memory_bytes') / 2 ** 20);
}

async function main() {
  const { cookie, scenarios } = await storefront(url);
  const results = [];
  const rssBefore = await rss();
  for (const [name, variables, signedIn] of scenarios) {
    const check = await post(name, variables, signedIn ? cookie : undefined);
    if (check.json.errors) throw new Error(`${name}: ${JSON.stringify(check.json.errors)}`);
    // GraphQL errors come with HTTP 200: counted from the gateway's own metrics instead.
    const before = await metrics();
    const run = await autocannon({
      url,
      method: 'POST',
      connections,
      duration: seconds,
      headers: { 'content-type': 'application/json', ...(signedIn ? { cookie } : {}) },
      body: body(name, variables),
    });
    results.push({
      operation: name,
      signedIn,
      requests: run.requests.total,
      rps: Math.round(run.requests.average),
      p50Ms: run.latency.p50,
      p99Ms: run.latency.p99,
      non2xx: run.non2xx,
      errors: run.errors + run.timeouts,
      graphqlErrors:
        sum(await metrics(), 'graphql_operation_errors_total', { operation: name }) -
        sum(before, 'graphql_operation_errors_total', { operation: name }),
    });
    process.stderr.write(`${name}: ${Math.round(run.requests.average)} rps, p99 ${run.latency.p99} ms\n`);
  }
  const report = {
    date: new Date().toISOString(),
    machine: `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB`,
    clientNode: process.version,
    command: `node bench/storefront.js ${seconds} ${connections}`,
    setup: 'scripts/start (all services and the gateway on one machine, local stack: FerretDB for the catalog)',
    gatewayRssMiB: { before: rssBefore, after: await rss() },
    results,
  };
  console.table(results);
  console.log(JSON.stringify({ machine: report.machine, gatewayRssMiB: report.gatewayRssMiB }));
  mkdirSync(path.join(__dirname, 'results'), { recursive: true });
  writeFileSync(path.join(__dirname, 'results', 'storefront.json'), `${JSON.stringify(report, null, 2)}\n`);
}

main().catch((error) => {
  console.error(error.message);
  process.exit(1);
});
