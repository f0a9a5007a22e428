#!/usr/bin/env node
// The floor: what a Node gateway cannot do without for the benchmark query. For each request it
// makes the same 16 subgraph calls as the query plan (the bodies stock @apollo/gateway sent, recorded
// at the subgraphs, in the plan's order: sequences one after another, parallel branches together)
// with undici, parses each answer (JSON.parse), and writes back the answer serialized beforehand.
// No planning, no result shaping, no serialization. Its CPU per request is the floor a gateway's is
// compared with.
//
//   node floor.js <input.json>   input: { port, plan: <plan node>, answer } written by run.js
const { readFileSync } = require('node:fs');
const http = require('node:http');
const { Pool } = require('undici');

const input = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const answer = Buffer.from(input.answer);
const pools = new Map();
const poolFor = (origin) => {
  if (!pools.has(origin)) pools.set(origin, new Pool(origin, { connections: 32, pipelining: 1 }));
  return pools.get(origin);
};

async function call(fetch) {
  const url = new URL(fetch.url);
  const { statusCode, body } = await poolFor(url.origin).request({
    path: url.pathname,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: fetch.body,
  });
  const parsed = JSON.parse(await body.text());
  if (statusCode !== 200 || parsed.errors) throw new Error(`${fetch.url}: HTTP ${statusCode}`);
  return parsed;
}

async function run(node) {
  if (node.kind === 'Fetch') return call(node);
  if (node.kind === 'Sequence') {
    for (const child of node.nodes) await run(child);
    return;
  }
  await Promise.all(node.nodes.map(run));
}

const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    run(input.plan).then(
      () => {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': answer.length });
        res.end(answer);
      },
      (error) => {
        res.writeHead(502, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ errors: [{ message: String(error.message) }] }));
      },
    );
  });
});
server.keepAliveTimeout = 120_000;
server.listen(input.port, '127.0.0.1', () => console.log(`floor at http://127.0.0.1:${input.port}/graphql`));
