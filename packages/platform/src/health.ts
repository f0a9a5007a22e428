/** A named dependency check for /readyz: resolves when the dependency answers. */
export type ReadinessCheck = () => Promise<unknown>;

export interface ReadinessReport {
  ready: boolean;
  checks: Record<string, { ok: boolean; ms: number; error?: string; detail?: unknown }>;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** Run every check in parallel, each bounded by a timeout, and report them all. */
export async function checkReadiness(
  checks: Record<string, ReadinessCheck>,
  timeoutMs = 2000,
): Promise<ReadinessReport> {
  const entries = await Promise.all(
    Object.entries(checks).map(async ([name, check]) => {
      const started = Date.now();
      try {
        const value = await withTimeout(check(), timeoutMs);
        // A check may say more than "ok" (a worker's lag): `{ detail }` is reported as is.
        const detail = (value as { detail?: unknown } | null)?.detail;
        return [name, { ok: true, ms: Date.now() - started, ...(detail === undefined ? {} : { detail }) }] as const;
      } catch (error) {
        return [name, { ok: false, ms: Date.now() - started, error: (error as Error).message }] as const;
      }
    }),
  );
  return { ready: entries.every(([, r]) => r.ok), checks: Object.fromEntries(entries) };
}
