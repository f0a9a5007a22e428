// The benchmark's workload, from the fixture: the supergraph composed over the four subgraphs' SDL
// (at whatever ports they listen on), the query as clients send it, its query plan, and the answer
// it must get.
const { readFileSync } = require('node:fs');
const path = require('node:path');
const { composeServices } = require('@apollo/composition');
const { Supergraph, operationFromDocument } = require('@apollo/federation-internals');
const { QueryPlanner } = require('@apollo/query-planner');
const { Kind, parse, print } = require('graphql');
const { expectedAnswer } = require('./fixture/expected');

const SUBGRAPHS = ['accounts', 'inventory', 'products', 'reviews'];
const fixture = path.join(__dirname, 'fixture');
const OPERATIONS_DIR = path.join(fixture, 'operations');

/**
 * The query as every gateway receives it: the operation, then its fragments by name, printed by
 * graphql-js (the text Polystore's safelist holds, so it needs no re-printing to recognise it).
 */
function clientQuery() {
  const document = parse(readFileSync(path.join(OPERATIONS_DIR, 'benchmark.graphql'), 'utf8'));
  const operations = document.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION);
  const fragments = document.definitions
    .filter((d) => d.kind === Kind.FRAGMENT_DEFINITION)
    .sort((a, b) => a.name.value.localeCompare(b.name.value));
  return print({ kind: Kind.DOCUMENT, definitions: [...operations, ...fragments] });
}

/** The supergraph SDL for subgraphs at `urls` (name → URL). */
function composeSupergraph(urls) {
  const result = composeServices(
    SUBGRAPHS.map((name) => ({
      name,
      url: urls[name],
      typeDefs: parse(readFileSync(path.join(fixture, 'schema', `${name}.graphql`), 'utf8')),
    })),
  );
  if (result.errors?.length) throw new Error(`composition: ${result.errors.map((e) => e.message).join('; ')}`);
  return result.supergraphSdl;
}

/** @apollo/query-planner's plan of `query` over `supergraphSdl`, and how many fetches it makes. */
function queryPlan(supergraphSdl, query) {
  const supergraph = Supergraph.build(supergraphSdl);
  const operation = operationFromDocument(supergraph.schema, parse(query), { validate: true });
  const plan = new QueryPlanner(supergraph).buildQueryPlan(operation);
  let fetches = 0;
  const count = (node) => {
    if (!node) return;
    if (node.kind === 'Fetch') fetches++;
    for (const child of node.nodes ?? []) count(child);
    count(node.node);
  };
  count(plan.node);
  return { plan, fetches };
}

/**
 * The plan as the floor program runs it: Sequence/Parallel kept, Flatten dropped, each Fetch given
 * its subgraph's URL and the exact body stock @apollo/gateway sent for it (`recorded`: subgraph name
 * → bodies received during one request).
 */
function floorPlan(plan, urls, recorded) {
  const unused = Object.fromEntries(Object.entries(recorded).map(([name, bodies]) => [name, [...bodies]]));
  const convert = (node) => {
    if (node.kind === 'Flatten') return convert(node.node);
    if (node.kind === 'Fetch') {
      const bodies = unused[node.serviceName] ?? [];
      const i = bodies.findIndex((body) => JSON.parse(body).query === node.operation);
      if (i < 0) throw new Error(`no recorded ${node.serviceName} request for fetch ${node.operationName}`);
      const [body] = bodies.splice(i, 1);
      return { kind: 'Fetch', url: urls[node.serviceName], body };
    }
    return { kind: node.kind, nodes: node.nodes.map(convert) };
  };
  return convert(plan.node);
}

module.exports = { SUBGRAPHS, OPERATIONS_DIR, clientQuery, composeSupergraph, queryPlan, floorPlan, expectedAnswer };
