import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { assertNoEgress } from './egress';
import * as guard from './egress-guard';

// The guard as the suites use it: preloaded through NODE_OPTIONS into a process of its own, which
// tries one destination after another and prints what each attempt got (an error code, or ok). A
// destination the guard let through would be tried for real: TEST-NET-1 (192.0.2.0/24, RFC 5737)
// and example.com (RFC 2606) are addresses no one answers for, and each try gives up after 3 s.
const PROBE = String.raw`
const net = require('node:net'), http = require('node:http'), https = require('node:https'), tls = require('node:tls');
const dgram = require('node:dgram'), dns = require('node:dns'), os = require('node:os'), path = require('node:path');
const results = {};
const tryIt = (name, attempt) => new Promise((resolve) => {
  const timer = setTimeout(() => { results[name] = 'no answer'; resolve(); }, 3000);
  attempt((error) => { clearTimeout(timer); results[name] = error ? error.code : 'ok'; resolve(); });
});
const opened = (socket, done) => socket.on('error', done).on('connect', () => { socket.destroy(); done(); });
(async () => {
  const server = net.createServer((s) => s.end()).listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const port = server.address().port;
  const pipe = path.join(os.tmpdir(), 'egress-guard-' + process.pid + '.sock');
  const unix = net.createServer((s) => s.end()).listen(pipe);
  await new Promise((r) => unix.once('listening', r));

  await tryIt('net.connect 192.0.2.1', (done) => opened(net.connect(80, '192.0.2.1'), done));
  await tryIt('net.connect example.com', (done) => opened(net.connect({ host: 'example.com', port: 80 }), done));
  await tryIt('http.get 192.0.2.1', (done) => http.get('http://192.0.2.1/').on('error', done).on('response', () => done()));
  await tryIt('fetch 169.254.169.254', (done) => fetch('http://169.254.169.254/').then(() => done(), (e) => done(e.cause ?? e)));
  await tryIt('https.get example.com', (done) => https.get('https://example.com/').on('error', done).on('response', () => done()));
  await tryIt('tls.connect 192.0.2.1', (done) => tls.connect(443, '192.0.2.1').on('error', done).on('secureConnect', () => done()));
  await tryIt('udp 192.0.2.1', (done) => { const s = dgram.createSocket('udp4'); s.send('x', 53, '192.0.2.1', (e) => { s.close(); done(e); }); });
  await tryIt('dns.lookup example.com', (done) => dns.lookup('example.com', done));
  await tryIt('dns.promises.lookup example.com', (done) => dns.promises.lookup('example.com').then(() => done(), done));
  await tryIt('dns.resolve4 localhost', (done) => dns.resolve4('localhost', done));
  await tryIt('Resolver#resolveTxt example.com', (done) => new dns.Resolver().resolveTxt('example.com', done));
  await tryIt('promises Resolver#resolveSrv', (done) => new dns.promises.Resolver().resolveSrv('_x._tcp.example.com').then(() => done(), done));

  await tryIt('net.connect 127.0.0.1', (done) => opened(net.connect(port, '127.0.0.1'), done));
  await tryIt('net.connect localhost', (done) => opened(net.connect({ port, host: 'localhost' }), done));
  await tryIt('net.connect unix socket', (done) => opened(net.connect(pipe), done));
  await tryIt('fetch 127.0.0.1', (done) => fetch('http://127.0.0.1:' + port + '/').then(() => done(), (e) => done(e.cause?.code === 'EGRESS_REFUSED' ? e.cause : null)));
  await tryIt('udp 127.0.0.1', (done) => { const s = dgram.createSocket('udp4'); s.send('x', port, '127.0.0.1', (e) => { s.close(); done(e); }); });
  await tryIt('dns.lookup localhost', (done) => dns.lookup('localhost', (e) => done(e)));
  await tryIt('listen on 0.0.0.0', (done) => { const s = net.createServer().listen(0, '0.0.0.0', () => s.close(() => done())).on('error', done); });
  server.close();
  unix.close();
  console.log(JSON.stringify(results));
})();
`;

let dir: string;
let results: Record<string, string>;
let pid: number;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'egress-guard-test-'));
  const { stdout } = await promisify(execFile)(process.execPath, ['-e', `${PROBE};console.log(process.pid)`], {
    env: { PATH: process.env['PATH'], NODE_OPTIONS: guard.nodeOptions(), [guard.LOG_VARIABLE]: dir },
    timeout: 60_000,
  });
  const [json, childPid] = stdout.trim().split('\n').reverse();
  results = JSON.parse(json!);
  pid = Number(childPid);
}, 70_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const logged = () => guard.readLog(dir).map((a) => `${a.kind} ${a.destination}`);

/** What each of the tries named got, beside what it should have got. */
function expectEach(names: string[], outcome: string) {
  expect(Object.fromEntries(names.map((name) => [name, results[name]]))).toEqual(
    Object.fromEntries(names.map((name) => [name, outcome])),
  );
}

describe('the egress guard, preloaded into a process', () => {
  it('refuses a connection to a non-loopback address, by any client, and records it', () => {
    expectEach(
      ['net.connect 192.0.2.1', 'http.get 192.0.2.1', 'fetch 169.254.169.254', 'tls.connect 192.0.2.1'],
      guard.CODE,
    );
    expect(logged()).toEqual(
      expect.arrayContaining(['connect 192.0.2.1:80', 'connect 169.254.169.254:80', 'connect 192.0.2.1:443']),
    );
  });

  it('refuses a connection by name to anything but localhost, before any lookup', () => {
    expect(results['net.connect example.com']).toBe(guard.CODE);
    expect(results['https.get example.com']).toBe(guard.CODE);
    expect(logged()).toEqual(expect.arrayContaining(['connect example.com:80', 'connect example.com:443']));
  });

  it('refuses a lookup of a public name, and every DNS query whatever the name', () => {
    expectEach(
      [
        'dns.lookup example.com',
        'dns.promises.lookup example.com',
        'dns.resolve4 localhost',
        'Resolver#resolveTxt example.com',
        'promises Resolver#resolveSrv',
      ],
      guard.CODE,
    );
    expect(logged()).toEqual(
      expect.arrayContaining([
        'lookup example.com',
        'resolve localhost',
        'resolve example.com',
        'resolve _x._tcp.example.com',
      ]),
    );
  });

  it('refuses UDP off loopback', () => {
    expect(results['udp 192.0.2.1']).toBe(guard.CODE);
    expect(logged()).toContain('udp 192.0.2.1:53');
  });

  it('lets loopback through: 127.0.0.1, localhost, unix sockets, and listening on every interface', () => {
    expectEach(
      [
        'net.connect 127.0.0.1',
        'net.connect localhost',
        'net.connect unix socket',
        'fetch 127.0.0.1',
        'udp 127.0.0.1',
        'dns.lookup localhost',
        'listen on 0.0.0.0',
      ],
      'ok',
    );
    expect(logged().filter((a) => /127\.0\.0\.1|localhost:/.test(a))).toEqual([]);
  });

  it('writes each attempt at once to <log dir>/<pid>.jsonl, with the code that made it', () => {
    expect(readdirSync(dir)).toEqual([`${pid}.jsonl`]);
    const attempts = guard.readLog(dir);
    expect(attempts).toHaveLength(12); // one per refused try above
    expect(attempts[0]).toMatchObject({ kind: 'connect', destination: '192.0.2.1:80', pid });
    expect(attempts[0]!.stack.join('\n')).toMatch(/\[eval\]/);
  });

  it('fails the test run’s teardown, naming each destination', () => {
    const given = process.env[guard.LOG_VARIABLE];
    process.env[guard.LOG_VARIABLE] = dir;
    try {
      expect(() => assertNoEgress()).toThrow(/connect 192\.0\.2\.1:80 \(2×, first by pid \d+/);
    } finally {
      if (given === undefined) delete process.env[guard.LOG_VARIABLE];
      else process.env[guard.LOG_VARIABLE] = given;
    }
  });
});

describe('loopback', () => {
  it('is 127.0.0.0/8, ::1 in any spelling, IPv4-mapped 127/8 and the name localhost', () => {
    for (const host of [
      '127.0.0.1',
      '127.1.2.3',
      '::1',
      '[::1]',
      '0:0:0:0:0:0:0:1',
      '::ffff:127.0.0.1',
      'localhost',
      'LOCALHOST.',
    ]) {
      expect({ host, loopback: guard.isLoopback(host) }).toEqual({ host, loopback: true });
    }
  });

  it('is nothing else: private, link-local and metadata addresses, other names, *.localhost', () => {
    for (const host of [
      '0.0.0.0',
      '10.0.0.1',
      '169.254.169.254',
      '192.0.2.1',
      '::',
      '::ffff:10.0.0.1',
      'metadata.google.internal',
      'a.localhost',
      'example.com',
    ]) {
      expect({ host, loopback: guard.isLoopback(host) }).toEqual({ host, loopback: false });
    }
  });
});
