import { pino, type Logger } from 'pino';
import { throttledLog } from './log-throttle';

export type { Logger } from 'pino';

/**
 * Structured JSON logs, one line per event, with the service name on every line.
 * Secrets never reach a log line: connection strings go through `redactUrl`, and the
 * usual credential fields are censored here as a second line of defence.
 */
export function createLogger(service: string, level = 'info'): Logger {
  return pino({
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    redact: {
      paths: ['password', '*.password', 'input.password', 'headers.authorization', 'headers.cookie'],
      censor: '[redacted]',
    },
  });
}

/**
 * A warning that can fire on every request while a dependency is down, written at most once per
 * `intervalMs` for each kind, with how many of that kind were left out since the line before
 * (`throttledLog` at the warn level).
 */
export function rateLimitedWarn(logger: Logger, intervalMs = 10_000, now: () => number = Date.now) {
  const log = throttledLog(logger, { intervalMs, now });
  return (kind: string, fields: Record<string, unknown>, message: string): void => log('warn', kind, fields, message);
}
