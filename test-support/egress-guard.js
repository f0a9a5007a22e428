'use strict';
/**
 * No Polystore process may open a connection or resolve a name outside loopback. This guard makes
 * that checkable: loaded into a process, it refuses every attempt to reach a destination that is
 * not loopback (the caller gets an error with code EGRESS_REFUSED, as if the network said no) and
 * records it, so that a test run can fail on what any of its processes tried.
 *
 *   node --require ./test-support/egress-preload.js app.js   (NODE_OPTIONS passes it to child processes)
 *
 * Loopback is 127.0.0.0/8, ::1 (IPv4-mapped 127/8 too), the name `localhost`, and unix sockets.
 * Covered: every TCP connection (net.Socket#connect, under which http, https, tls.connect, fetch/undici,
 * pg, ioredis and the mongodb driver all connect), UDP (dgram send/connect), name lookups
 * (dns.lookup, dns.lookupService, dns.promises) and DNS queries (dns.resolve*, dns.reverse and both
 * Resolver classes, which always ask the configured nameserver and so are refused whatever the name).
 * A lookup of an IP literal asks no one and is let through (listening on 0.0.0.0 does one).
 *
 * Each refusal is kept in memory (attempts()) and, when POLYSTORE_EGRESS_LOG names a directory,
 * appended as one JSON line to <dir>/<pid>.jsonl at once (readLog() reads them all back).
 *
 * Plain CommonJS so that Node can preload it before any transpiler exists. Its state lives on the
 * `net` module object, which a process has once: jest's per-file module registries, which load this
 * file again, share it with the copy Node preloaded.
 */
const dgram = require('node:dgram');
const dns = require('node:dns');
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');

const STATE = Symbol.for('polystore.egress-guard');
const CODE = 'EGRESS_REFUSED';
const LOG_VARIABLE = 'POLYSTORE_EGRESS_LOG';

const loopback = new net.BlockList();
loopback.addSubnet('127.0.0.0', 8, 'ipv4');
loopback.addAddress('::1', 'ipv6');
loopback.addSubnet('::ffff:127.0.0.0', 104, 'ipv6');

/** True for a loopback address or the name localhost (a name other than that may go anywhere). */
function isLoopback(host) {
  const h = String(host)
    .replace(/^\[(.*)\]$/, '$1')
    .replace(/\.$/, '')
    .toLowerCase();
  if (h === 'localhost') return true;
  const family = net.isIP(h);
  return family !== 0 && loopback.check(h, family === 6 ? 'ipv6' : 'ipv4');
}

function state() {
  if (!net[STATE]) net[STATE] = { installed: false, attempts: [] };
  return net[STATE];
}

/** The caller's frames, without this file's and Node's own. */
function callerStack() {
  return (new Error().stack ?? '')
    .split('\n')
    .slice(1)
    .map((line) => line.trim())
    .filter((line) => !line.includes(__filename) && !line.includes('(node:') && !line.startsWith('at node:'))
    .slice(0, 8);
}

/** Record an attempt and make the error its caller gets. */
function refuse(kind, destination) {
  const attempt = {
    kind,
    destination,
    pid: process.pid,
    program: process.env.JEST_WORKER_ID
      ? `jest worker ${process.env.JEST_WORKER_ID}`
      : path.relative(process.cwd(), process.argv[1] ?? process.argv0),
    at: new Date().toISOString(),
    stack: callerStack(),
  };
  state().attempts.push(attempt);
  const dir = process.env[LOG_VARIABLE];
  if (dir) {
    try {
      fs.mkdirSync(dir, { recursive: true });
      fs.appendFileSync(path.join(dir, `${process.pid}.jsonl`), `${JSON.stringify(attempt)}\n`);
    } catch {
      // the in-memory record still fails the test that made the attempt
    }
  }
  return Object.assign(
    new Error(`egress refused: ${kind} ${destination} is not loopback (test-support/egress-guard.js)`),
    {
      code: CODE,
      destination,
    },
  );
}

/** Where a net.Socket#connect call goes: its arguments come normalized ([options, cb]) or as given. */
function connectTarget(args) {
  const given = Array.isArray(args[0]) ? args[0] : args;
  const first = given[0];
  if (first !== null && typeof first === 'object') {
    if (first.path) return null; // a unix socket or pipe (net connects to one when path is truthy)
    return { host: first.host ?? 'localhost', port: first.port };
  }
  if (typeof first === 'string' && !/^\d+$/.test(first)) return null; // connect(path)
  return { host: typeof given[1] === 'string' ? given[1] : 'localhost', port: first };
}

function hostPort(host, port) {
  return net.isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`;
}

function patchSocketConnect() {
  const original = net.Socket.prototype.connect;
  net.Socket.prototype.connect = function connect(...args) {
    const target = connectTarget(args);
    if (!target || isLoopback(target.host)) return original.apply(this, args);
    const error = refuse('connect', hostPort(target.host, target.port));
    process.nextTick(() => this.destroy(error));
    return this;
  };
}

function patchDgram() {
  const proto = dgram.Socket.prototype;
  const originalSend = proto.send;
  proto.send = function send(...args) {
    // send(msg[, offset, length][, port][, address][, callback]): the address is the one string after msg
    const address = args.slice(1).find((a) => typeof a === 'string');
    const port = args.slice(1).find((a, i, rest) => typeof a === 'number' && typeof rest[i + 1] !== 'number');
    if (address === undefined || isLoopback(address)) return originalSend.apply(this, args);
    const error = refuse('udp', hostPort(address, port));
    const callback = args.find((a) => typeof a === 'function');
    process.nextTick(() => (callback ? callback(error) : this.emit('error', error)));
  };
  const originalConnect = proto.connect;
  proto.connect = function connect(port, address, callback) {
    const host = typeof address === 'string' ? address : 'localhost';
    if (isLoopback(host)) return originalConnect.apply(this, arguments);
    const error = refuse('udp', hostPort(host, port));
    const done = typeof address === 'function' ? address : callback;
    process.nextTick(() => (done ? done(error) : this.emit('error', error)));
  };
}

const QUERIES = [
  'resolve',
  'resolve4',
  'resolve6',
  'resolveAny',
  'resolveCaa',
  'resolveCname',
  'resolveMx',
  'resolveNaptr',
  'resolveNs',
  'resolvePtr',
  'resolveSoa',
  'resolveSrv',
  'resolveTlsa',
  'resolveTxt',
  'reverse',
];

/** A refused callback-style call: its callback gets the error (a call without one throws it). */
function toCallback(error, args) {
  const callback = args.findLast((a) => typeof a === 'function');
  if (!callback) throw error;
  process.nextTick(() => callback(error));
}

const toPromise = (error) => Promise.reject(error);

/** Wrap the functions `names` of `target`: `allowed(args)` lets a call through, else `answer` refuses it. */
function patchFunctions(target, names, kind, allowed, answer) {
  for (const name of names) {
    const original = target[name];
    if (typeof original !== 'function') continue;
    target[name] = function guarded(...args) {
      if (allowed(args)) return original.apply(this, args);
      return answer(refuse(kind, String(args[0])), args);
    };
  }
}

const nameStaysHere = ([hostname]) => !hostname || net.isIP(String(hostname)) !== 0 || isLoopback(hostname);
const addressIsLoopback = ([address]) => isLoopback(address);
const never = () => false;

function patchDns() {
  for (const [target, answer] of [
    [dns, toCallback],
    [dns.promises, toPromise],
  ]) {
    patchFunctions(target, ['lookup'], 'lookup', nameStaysHere, answer);
    patchFunctions(target, ['lookupService'], 'lookup', addressIsLoopback, answer);
    patchFunctions(target, QUERIES, 'resolve', never, answer);
    patchFunctions(target.Resolver.prototype, QUERIES, 'resolve', never, answer);
  }
}

/** Install the guard in this process (once; later calls do nothing). */
function install() {
  const s = state();
  if (s.installed) return;
  s.installed = true;
  patchSocketConnect();
  patchDgram();
  patchDns();
}

/** Every attempt this process made and was refused, oldest first. */
function attempts() {
  return [...state().attempts];
}

/** Every attempt recorded under a log directory, by any process. */
function readLog(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((file) => file.endsWith('.jsonl'))
    .flatMap((file) =>
      fs
        .readFileSync(path.join(dir, file), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line)),
    );
}

/** Attempts as a report a person can act on: each destination once, with who tried and from where. */
function report(list) {
  const byDestination = new Map();
  for (const a of list) {
    const key = `${a.kind} ${a.destination}`;
    if (!byDestination.has(key)) byDestination.set(key, { first: a, count: 0 });
    byDestination.get(key).count += 1;
  }
  return [...byDestination]
    .map(
      ([key, { first, count }]) =>
        `  ${key} (${count}×, first by pid ${first.pid} ${first.program})\n      ${first.stack.join('\n      ')}`,
    )
    .join('\n');
}

const PRELOAD = path.join(__dirname, 'egress-preload.js');

/** NODE_OPTIONS that preload the guard into a process, appended to those given. */
function nodeOptions(existing = '') {
  return existing.includes(PRELOAD) ? existing : `${existing} --require ${JSON.stringify(PRELOAD)}`.trim();
}

module.exports = { install, attempts, readLog, report, isLoopback, nodeOptions, CODE, LOG_VARIABLE };
