import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as guard from './egress-guard';

/**
 * No process may open a connection or resolve a name outside loopback; the integration and e2e
 * suites hold every process they start to it (test-support/egress-guard.js refuses and records).
 *
 * Before the suites (global set-up, in jest's own process): a log directory for this run, and
 * NODE_OPTIONS that preload the guard into every jest worker, started after this, and into every
 * process those spawn with the environment they inherit. Jest's own process is guarded too (a run
 * of one file runs in it).
 */
export function startEgressLog(): void {
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
