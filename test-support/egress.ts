import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as guard from './egress-guard';

/**
 * The variables that name where the stores are (test-support/stack-env.ts lets each point off
 * this machine, e.g. to compose's services): the hosts of their URLs are the only destinations
 * besides loopback that the test processes may reach.
 */
const STORE_URL_VARIABLE =
  /^(POSTGRES_ADMIN_URL|MONGO_URL|REDIS_URL|ELASTICSEARCH_URL|[A-Z0-9_]+_DATABASE_URL|[A-Z0-9_]+_REDIS_URL)$/;

/**
 * The hosts, other than loopback, that the store URLs of `env` name, each with the variables that
 * name it. Every host of a URL counts (`mongodb://a:27017,b:27017/…` names two); a value that is
 * not a URL names none.
 */
export function storeHosts(env: Record<string, string | undefined>): Map<string, string[]> {
  const hosts = new Map<string, string[]>();
  for (const [name, value] of Object.entries(env).sort(([a], [b]) => a.localeCompare(b))) {
    if (!value || !STORE_URL_VARIABLE.test(name)) continue;
    // scheme://[user[:password]@]host[:port][,host[:port]...][/path][?query]
    const authority = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)/i.exec(value)?.[1];
    if (!authority) continue;
    for (const entry of authority.slice(authority.lastIndexOf('@') + 1).split(',')) {
      const host = (/^\[[^\]]*\]/.exec(entry)?.[0] ?? entry.replace(/:\d*$/, '')).toLowerCase();
      if (!host || guard.isLoopback(host)) continue;
      hosts.set(host, [...(hosts.get(host) ?? []), name]);
    }
  }
  return hosts;
}

/**
 * Tell the guard of this process and of every process started after this (POLYSTORE_EGRESS_ALLOW)
 * which hosts besides loopback it may reach: those of the store URLs in `env`, and nothing else.
 * Said in one line, so a run shows where it may go.
 */
export function allowStoreHosts(
  env: Record<string, string | undefined>,
  log: (line: string) => void = (line) => console.log(line),
): void {
  const allowed = storeHosts(env);
  process.env[guard.ALLOW_VARIABLE] = [...allowed.keys()].join(',');
  const named = [...allowed].map(([host, variables]) => `${host} (${variables.join(', ')})`);
  log(`egress guard: loopback${named.length ? ` and the stores' hosts ${named.join('; ')}` : ' only'}`);
}

/**
 * No process may open a connection or resolve a name outside loopback; the integration and e2e
 * suites hold every process they start to it (test-support/egress-guard.js refuses and records).
 *
 * Before the suites (global set-up, in jest's own process): a log directory for this run, and
 * NODE_OPTIONS that preload the guard into every jest worker, started after this, and into every
 * process those spawn with the environment they inherit. Jest's own process is guarded too (a run
 * of one file runs in it). When the stores are elsewhere (`env`, as stack-env.ts reads it), their
 * hosts — exactly those, from the store URL variables — are allowed besides loopback, said in
 * one line at the start of the run.
 */
export function startEgressLog(env: Record<string, string | undefined>): void {
  allowStoreHosts(env);
  if (!process.env[guard.LOG_VARIABLE]) {
    process.env[guard.LOG_VARIABLE] = mkdtempSync(path.join(tmpdir(), 'polystore-egress-'));
    process.env['POLYSTORE_EGRESS_LOG_OWNED'] = '1';
  }
  process.env['NODE_OPTIONS'] = guard.nodeOptions(process.env['NODE_OPTIONS']);
  guard.install();
}

/**
 * After the suites (global teardown): fail the run when any process refused an attempt, naming
 * each destination, the process and the code that tried. This catches what no single test file
 * can: child processes, and attempts after a file's own checks ran.
 */
export function assertNoEgress(): void {
  const dir = process.env[guard.LOG_VARIABLE];
  if (!dir) return;
  const attempts = guard.readLog(dir);
  if (attempts.length) {
    throw new Error(
      `processes of this test run tried to leave loopback (each refused; log: ${dir}):\n${guard.report(attempts)}`,
    );
  }
  if (process.env['POLYSTORE_EGRESS_LOG_OWNED'] === '1') rmSync(dir, { recursive: true, force: true });
}
