// Summary of a V8 .cpuprofile (node --cpu-prof) of Polystore's gateway under the benchmark's load:
// the share of the samples taken during the measured run, by area of the code and by function.
//
// Self: the area of the sampled frame. Frames that are not an area's own code — Node's internals
// (sockets, streams, url), V8 builtins and natives (JSON.parse, writev, undici's wasm parser) and
// @apollo/federation-internals helpers — count for the nearest caller that is (so a socket write
// from res.send is Express's, a url.parse from node-fetch is request building). What has no such
// caller is the event loop's. Inclusive: the area appears anywhere on the sample's stack.

/** Areas by the frame's url (and function name), first match wins. */
const AREAS = [
  ['subgraph call: JSON.parse of answers', (f) => f.functionName === 'json' && /gateway\/dist\/fetcher/.test(f.url)],
  [
    'subgraph call: request building (RemoteGraphQLDataSource, node-fetch Request)',
    (f) => /RemoteGraphQLDataSource|node-fetch|whatwg-url|tr46|@apollo\/utils\.fetcher/.test(f.url),
  ],
  ['subgraph call: signing (HMAC)', (f) => /platform\/dist\/gateway-trust|gateway\/dist\/subgraph-source/.test(f.url)],
  ['subgraph call: breaker (opossum)', (f) => /opossum|gateway\/dist\/breaker/.test(f.url)],
  [
    'subgraph call: HTTP client (undici pool, deadline, retry)',
    (f) => /undici|wasm:|gateway\/dist\/(fetcher|resilient-source)/.test(f.url),
  ],
  ['answer serialization (prettyJSONStringify)', (f) => f.functionName === 'prettyJSONStringify'],
  ['@apollo/gateway result shaping (computeResponse)', (f) => /@apollo\/gateway\/dist\/resultShaping/.test(f.url)],
  [
    '@apollo/gateway plan execution (executeQueryPlan: fetch orchestration, merging entities)',
    (f) => /@apollo\/gateway\/dist\/(executeQueryPlan|dataRewrites|utilities)/.test(f.url),
  ],
  ['query planning (@apollo/query-planner)', (f) => /@apollo\/(query-planner|query-graphs)/.test(f.url)],
  ['@apollo/gateway, other', (f) => /@apollo\/gateway\//.test(f.url)],
  ['OpenTelemetry no-op spans (@apollo/gateway)', (f) => /@opentelemetry/.test(f.url)],
  [
    'Express (router, body-parser, res.send, ETag)',
    (f) =>
      /node_modules\/(express|router|body-parser|raw-body|send|etag|fresh|finalhandler|on-finished|content-type|type-is|cors|iconv-lite|qs|depd|statuses|mime-types|accepts|negotiator|http-errors|encodeurl|escape-html|parseurl|vary|cookie|media-typer)\//.test(
        f.url,
      ),
  ],
  [
    'rate limiter (rate-limiter-flexible, ioredis)',
    (f) => /rate-limiter-flexible|ioredis|redis-parser|gateway\/dist\/plugins\/rate-limit/.test(f.url),
  ],
  ['logging (pino)', (f) => /pino|sonic-boom|thread-stream|platform\/dist\/logger/.test(f.url)],
  [
    'metrics (prom-client, observability plugin)',
    (f) => /prom-client|platform\/dist\/(metrics|graphql-observability)|gateway\/dist\/plugins\/metrics/.test(f.url),
  ],
  ['operation limits (graphql-armor)', (f) => /graphql-armor|gateway\/dist\/plugins\/operation-limits/.test(f.url)],
  [
    'Polystore front door (identity, cookies, persisted operations)',
    (f) => /gateway\/dist\/(auth|http|plugins)|jose|platform\/dist/.test(f.url),
  ],
  ['Apollo Server request pipeline', (f) => /@apollo\/server|@as-integrations|@apollo\/utils/.test(f.url)],
  ['graphql-js (parse, validate, execute)', (f) => /node_modules\/graphql\//.test(f.url)],
];
/** Functions the issue names, each with its inclusive share (the function anywhere on the stack). */
const NAMED = [
  ['computeResponse (result shaping)', (f) => f.functionName === 'computeResponse'],
  ['buildQueryPlan (planning; plans are cached)', (f) => f.functionName === 'buildQueryPlan'],
  [
    'RemoteGraphQLDataSource.sendRequest',
    (f) => f.functionName === 'sendRequest' && /RemoteGraphQLDataSource/.test(f.url),
  ],
  ['node-fetch Request constructor', (f) => f.functionName === 'Request' && /node-fetch/.test(f.url)],
  ["url.parse (node-fetch's, with Node's deprecation check)", (f) => f.functionName === 'urlParse'],
  ['signatureHeaders (HMAC signing)', (f) => f.functionName === 'signatureHeaders'],
  ['opossum CircuitBreaker.fire', (f) => f.functionName === 'fire' && /opossum/.test(f.url)],
  [
    'fetcher json() = JSON.parse of subgraph answers',
    (f) => f.functionName === 'json' && /gateway\/dist\/fetcher/.test(f.url),
  ],
  ['deepMerge (entity results)', (f) => f.functionName === 'deepMerge'],
  ['prettyJSONStringify (the answer)', (f) => f.functionName === 'prettyJSONStringify'],
  ['Express res.send', (f) => f.functionName === 'send' && /express\/lib\/response/.test(f.url)],
  ['ETag of the answer (etag)', (f) => /node_modules\/etag\//.test(f.url)],
  ['rate limiter consume', (f) => /rate-limiter-flexible/.test(f.url)],
  ['pino (log lines)', (f) => /node_modules\/pino\//.test(f.url)],
];

const EVENT_LOOP = "Node's event loop, promise jobs, sockets (no library caller)";
const NO_INCLUSIVE = new Set([EVENT_LOOP, 'OpenTelemetry no-op spans (@apollo/gateway)', 'other']);
const isCallArea = (area) => area.startsWith('subgraph call:');

/** A frame that stands for its caller: Node internals, natives and builtins, federation-internals helpers. */
const standsForCaller = (f) =>
  !f.url ||
  f.url.startsWith('node:') ||
  /@apollo\/federation-internals/.test(f.url) ||
  f.functionName === 'runMicrotasks';

function frameArea(frame) {
  for (const [name, test] of AREAS) if (test(frame)) return name;
  return 'other';
}

/** The area a sample counts for (see the header), from its stack, leaf first. */
function sampleArea(stack) {
  const leaf = stack[0];
  if (!leaf) return EVENT_LOOP;
  if (leaf.functionName === '(garbage collector)') return 'garbage collection';
  if (leaf.functionName === '(idle)') return 'idle';
  if (leaf.functionName === '(program)') return 'V8, unattributed (program)';
  const planning = stack.some((f) => f.functionName === 'buildQueryPlan');
  if (planning) return 'query planning (@apollo/query-planner)';
  const owner = stack.find((f) => !standsForCaller(f));
  return owner ? frameArea(owner) : EVENT_LOOP;
}

const where = (f) => {
  const file = f.url
    .replace(/^file:\/\//, '')
    .replace(/^.*node_modules\//, '')
    .replace(/^.*\/(gateway|packages)\/(dist|platform)/, '$1/$2');
  return `${f.functionName || '(anonymous)'}${file ? ` ${file}:${f.lineNumber + 1}` : ''}`;
};

/** Samples inside `windowUs` (the measured run's bounds, monotonic clock in µs), by area and by function. */
function summarizeProfile(profile, windowUs) {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const child of n.children ?? []) parent.set(child, n.id);
  const stacks = new Map();
  const stackOf = (id) => {
    if (!stacks.has(id)) {
      const frames = [];
      for (let at = id; at !== undefined; at = parent.get(at)) frames.push(nodes.get(at).callFrame);
      stacks.set(
        id,
        frames.filter((f) => f.functionName !== '(root)'),
      );
    }
    return stacks.get(id);
  };
  const [from, to] = windowUs ?? [-Infinity, Infinity];
  let t = profile.startTime;
  const inWindow = [];
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i];
    if (t >= from && t <= to) inWindow.push(profile.samples[i]);
  }
  const windowed = inWindow.length > 0;
  const samples = windowed ? inWindow : profile.samples;
  const self = new Map();
  const inclusive = new Map();
  const selfFn = new Map();
  const inclusiveFn = new Map();
  const named = new Map();
  let idle = 0;
  let callPath = 0;
  const bump = (map, key) => map.set(key, (map.get(key) ?? 0) + 1);
  for (const id of samples) {
    const stack = stackOf(id);
    const area = sampleArea(stack);
    if (area === 'idle') {
      idle++;
      continue;
    }
    bump(self, area);
    bump(selfFn, stack[0] ? where(stack[0]) : '(root)');
    const areas = new Set([area, ...stack.filter((f) => !standsForCaller(f)).map(frameArea)]);
    for (const a of areas) bump(inclusive, a);
    if ([...areas].some(isCallArea)) callPath++;
    for (const fn of new Set(stack.map(where))) bump(inclusiveFn, fn);
    for (const [label, test] of NAMED) if (stack.some(test)) bump(named, label);
  }
  const busy = samples.length - idle;
  const pct = (n) => Math.round((1000 * n) / busy) / 10;
  const top = (map, n, skip = () => false) =>
    [...map.entries()]
      .filter(([name]) => !skip(name))
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([name, count]) => ({ name, pct: pct(count) }));
  return {
    samplingIntervalUs: Math.round((profile.endTime - profile.startTime) / profile.samples.length),
    window: windowed ? 'the measured run only' : 'the whole process (the window did not match the profile clock)',
    samples: samples.length,
    idlePct: Math.round((1000 * idle) / samples.length) / 10,
    areas: [...self.keys()]
      .map((area) => ({
        area,
        selfPct: pct(self.get(area) ?? 0),
        inclusivePct: NO_INCLUSIVE.has(area) ? null : pct(inclusive.get(area) ?? 0),
      }))
      .sort((a, b) => b.selfPct - a.selfPct),
    subgraphCallPathPct: {
      self:
        Math.round(10 * [...self.entries()].filter(([a]) => isCallArea(a)).reduce((s, [, n]) => s + pct(n), 0)) / 10,
      inclusive: pct(callPath),
    },
    named: NAMED.map(([label]) => ({ name: label, inclusivePct: pct(named.get(label) ?? 0) })),
    topSelf: top(selfFn, 30),
    // the event loop's and the no-op tracer's frames sit under nearly everything: left out
    topInclusive: top(inclusiveFn, 40, (name) =>
      /^(processTicksAndRejections|runMicrotasks|processImmediate|listOnTimeout|emit node:events)|@opentelemetry/.test(
        name,
      ),
    ),
  };
}

function profileMarkdown(report) {
  const r = report.run;
  return `${[
    `# Polystore's gateway under bench/gateway: CPU profile, ${report.date.slice(0, 10)}`,
    '',
    `${report.machine}; Node ${report.node}; Polystore at ${report.gatewayCommit}, production mode, one process on core 1.`,
    `Command: \`${report.command}\` (node --cpu-prof; one sample every ~${report.samplingIntervalUs} µs on average).`,
    `Under the profiler: ${Math.round(r.rps)} rps at ${r.connections} connections, ${r.cpuMsPerRequest.toFixed(2)} ms CPU per request, ` +
      `${r.bad} bad answers, ${r.logLines} log lines (${r.slowOperationLines} "slow operation") in ${r.elapsedS.toFixed(0)} s, ` +
      `load average ${r.loadAverage.before} → ${r.loadAverage.after}.`,
    `${report.samples} samples over ${report.window}, ${report.idlePct}% idle; every % below is of the busy samples.`,
    'Self: where the sample was taken, natives, Node internals and federation-internals helpers counted for their',
    'nearest library caller. Inclusive: the area anywhere on the stack (— where it wraps everything); an area that',
    'wraps a call (signing and the breaker wrap the HTTP client, plan execution wraps the fetches) includes it: the',
    'named functions below give the cost of each step itself.',
    '',
    '| area | self % | inclusive % |',
    '|---|---|---|',
    ...report.areas.map((a) => `| ${a.area} | ${a.selfPct} | ${a.inclusivePct ?? '—'} |`),
    `| **all of the subgraph call path** (request building, signing, breaker, HTTP client, JSON.parse) | **${report.subgraphCallPathPct.self}** | **${report.subgraphCallPathPct.inclusive}** |`,
    '',
    '## Named functions, inclusive',
    '',
    '| function | inclusive % |',
    '|---|---|',
    ...report.named.map((f) => `| ${f.name} | ${f.inclusivePct} |`),
    '',
    '## Top functions by self time',
    '',
    '| function | self % |',
    '|---|---|',
    ...report.topSelf.map((f) => `| \`${f.name}\` | ${f.pct} |`),
    '',
    '## Top functions by inclusive time (event loop and no-op tracer frames left out)',
    '',
    '| function | inclusive % |',
    '|---|---|',
    ...report.topInclusive.map((f) => `| \`${f.name}\` | ${f.pct} |`),
  ].join('\n')}\n`;
}

module.exports = { summarizeProfile, profileMarkdown, sampleArea };
