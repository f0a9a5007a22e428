/**
 * The shape every contract check shares (schema:check, migrate check): a registry of checks, each
 * with its own verdict and findings, one report for people and one for machines (--json), and an
 * exit code per verdict.
 *
 *   verdict   pass: nothing wrong · fail: at least one error finding · skip: the check could not
 *             apply here (it says why, in one line)
 *   exit      0 when no check failed, 1 when one did, 2 when the command could not run at all
 */

export type Verdict = 'pass' | 'fail' | 'skip';

/** error fails the check; warning and info are reported only. */
export type Severity = 'error' | 'warning' | 'info';

export interface Finding {
  severity: Severity;
  /** What kind of problem, stable for machines: `FIELD_REMOVED`, `STALE_SUPERGRAPH`, `DESTRUCTIVE_STEP`, … */
  kind: string;
  /** The element it is about, by path: `Query.products.first`, `accounts`, `orders/<migration>/Order.note`. */
  element?: string;
  message: string;
  /** More lines (SQL, a diff), printed indented under the message. */
  detail?: string;
}

/** What a check returns: its findings, or why it does not apply. */
export interface CheckOutcome {
  findings: Finding[];
  /** One line for the report, e.g. "12 operations, highest cost 148 (limit 5000)". */
  summary?: string;
  /** Set when the check does not apply here; the line says why. */
  skipped?: string;
}

export interface Check<C> {
  /** Short id (`composition`, `api-diff`, `events`, …), used by --only and in the JSON. */
  name: string;
  /** What it checks, for the human report. */
  title: string;
  run(context: C): Promise<CheckOutcome> | CheckOutcome;
}

export interface CheckResult {
  name: string;
  title: string;
  verdict: Verdict;
  summary?: string;
  /** Why it was skipped. */
  skipped?: string;
  findings: Finding[];
  ms: number;
}

export interface Report {
  verdict: Exclude<Verdict, 'skip'>;
  checks: CheckResult[];
  ms: number;
}

export const skip = (reason: string): CheckOutcome => ({ findings: [], skipped: reason });

/**
 * Run the checks in order. A check that throws fails with a CHECK_ERROR finding: one broken check
 * never hides the others' verdicts.
 */
export async function runChecks<C>(checks: readonly Check<C>[], context: C): Promise<Report> {
  const started = Date.now();
  const results: CheckResult[] = [];
  for (const check of checks) {
    const at = Date.now();
    let outcome: CheckOutcome;
    try {
      outcome = await check.run(context);
    } catch (error) {
      outcome = {
        findings: [{ severity: 'error', kind: 'CHECK_ERROR', message: (error as Error).message ?? String(error) }],
      };
    }
    const failed = outcome.findings.some((f) => f.severity === 'error');
    results.push({
      name: check.name,
      title: check.title,
      verdict: failed ? 'fail' : outcome.skipped !== undefined ? 'skip' : 'pass',
      ...(outcome.summary !== undefined ? { summary: outcome.summary } : {}),
      ...(outcome.skipped !== undefined ? { skipped: outcome.skipped } : {}),
      findings: outcome.findings,
      ms: Date.now() - at,
    });
  }
  return {
    verdict: results.some((r) => r.verdict === 'fail') ? 'fail' : 'pass',
    checks: results,
    ms: Date.now() - started,
  };
}

export function exitCode(report: Report): number {
  return report.verdict === 'fail' ? 1 : 0;
}

const MARK: Record<Verdict, string> = { pass: 'PASS', fail: 'FAIL', skip: 'SKIP' };
const SEVERITY: Record<Severity, string> = { error: '✗', warning: '!', info: '·' };

/** The human report: one line per check, its findings indented under it, the verdict last. */
export function formatReport(report: Report, command: string): string {
  const lines: string[] = [];
  for (const check of report.checks) {
    const note = check.skipped ?? check.summary;
    lines.push(`${MARK[check.verdict]}  ${check.title}${note ? ` — ${note}` : ''}`);
    for (const finding of check.findings) {
      const message = finding.message.replace(/\n/g, '\n          ');
      lines.push(`      ${SEVERITY[finding.severity]} ${finding.element ? `${finding.element}: ` : ''}${message}`);
      if (finding.detail) for (const line of finding.detail.trimEnd().split('\n')) lines.push(`          ${line}`);
    }
  }
  const failed = report.checks.filter((c) => c.verdict === 'fail').map((c) => c.name);
  lines.push(
    failed.length
      ? `${command}: FAIL (${failed.join(', ')}) in ${report.ms} ms`
      : `${command}: PASS in ${report.ms} ms`,
  );
  return `${lines.join('\n')}\n`;
}
