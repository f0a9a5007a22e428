/**
 * A named dependency check for /readyz: resolves when the dependency answers. One marked `optional`
 * (see `optional`) is something the service can do without, such as a cache.
 */
export interface ReadinessCheck {
  (): Promise<unknown>;
  optional?: boolean;
}

/**
 * A check of a dependency the service can do without (a cache, another service it can answer
 * partially without): when it fails, /readyz says "degraded" but stays 200, so a load balancer
 * keeps sending — draining every instance would not bring the dependency back.
 */
export function optional(check: () => Promise<unknown>): ReadinessCheck {
  return Object.assign(() => check(), { optional: true });
}

export interface ReadinessReport {
  /** Every required check passed: the instance should get traffic (HTTP 200). */
  ready: boolean;
  /** `ready`; `degraded` when an optional check failed (still 200); `unavailable` (503) otherwise. */
  status: 'ready' | 'degraded' | 'unavailable';
  checks: Record<string, { ok: boolean; ms: number; error?: string; detail?: unknown; optional?: true }>;
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
      const tag = check.optional ? { optional: true as const } : {};
      try {
        const value = await withTimeout(check(), timeoutMs);
        // A check may say more than "ok" (a worker's lag): `{ detail }` is reported as is.
        const detail = (value as { detail?: unknown } | null)?.detail;
        return [
          name,
          { ok: true, ms: Date.now() - started, ...(detail === undefined ? {} : { detail }), ...tag },
        ] as const;
      } catch (error) {
        return [name, { ok: false, ms: Date.now() - started, error: (error as Error).message, ...tag }] as const;
      }
    }),
  );
  const ready = entries.every(([, r]) => r.ok || r.optional);
  const degraded = entries.some(([, r]) => !r.ok);
  return {
    ready,
    status: !ready ? 'unavailable' : degraded ? 'degraded' : 'ready',
    checks: Object.fromEntries(entries),
  };
}
