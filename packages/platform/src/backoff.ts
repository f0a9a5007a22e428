/** Exponential backoff: minMs after the first failure, doubled after each further one, at most maxMs. */
export function backoffMs(failures: number, { minMs, maxMs }: { minMs: number; maxMs: number }): number {
  return Math.min(maxMs, minMs * 2 ** Math.max(0, failures - 1));
}
