#!/usr/bin/env node
// Stock @apollo/gateway + @apollo/server as their documentation starts them: the supergraph from a
// file, the default data source and fetcher (make-fetch-happen), startStandaloneServer. Nothing of
// Polystore's. The environment must carry APOLLO_TELEMETRY_DISABLED=1 (run.js sets it): otherwise
// @apollo/gateway starts a metrics exporter to Apollo and cloud metadata probes in its constructor.
// @apollo/gateway has no in-flight dedupe of subgraph requests, so it runs one way only.
const { readFileSync } = require('node:fs');
const { ApolloGateway } = require('@apollo/gateway');
const { ApolloServer } = require('@apollo/server');
const { startStandaloneServer } = require('@apollo/server/standalone');

async function main() {
  const gateway = new ApolloGateway({ supergraphSdl: readFileSync(process.env.SUPERGRAPH_PATH, 'utf8') });
  const server = new ApolloServer({ gateway });
  const { url } = await startStandaloneServer(server, {
    listen: { host: '127.0.0.1', port: Number(process.env.PORT) },
  });
  console.log(`stock apollo gateway at ${url}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
