import type { Logger } from './logger';

export type ThrottledLog = (
  level: 'info' | 'warn' | 'error',
  kind: string,
  fields: Record<string, unknown>,
  message: string,
) => void;

/**
 * For lines that could be written on every request while something stays broken (a store down, the
 * same bug hit by every caller): at most one line per `intervalMs` for each kind, the next one
 * saying how many of that kind were left out (`suppressed`). Kinds are the caller's to choose; keep
 * them few (a store and a reason, an error class), since each is remembered.
 */
export function throttledLog(logger: Logger, { intervalMs = 10_000, now = Date.now } = {}): ThrottledLog {
  const kinds = new Map<string, { at: number; suppressed: number }>();
  return (level, kind, fields, message) => {
    const seen = kinds.get(kind);
    const at = now();
    if (seen && at - seen.at < intervalMs) {
      seen.suppressed++;
      return;
    }
    if (!seen && kinds.size >= 1000) kinds.clear(); // bounded, whatever the kinds
    kinds.set(kind, { at, suppressed: 0 });
    logger[level]({ ...fields, ...(seen?.suppressed ? { suppressed: seen.suppressed } : {}) }, message);
  };
}
