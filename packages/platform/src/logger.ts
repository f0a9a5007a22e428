import { pino, type Logger } from 'pino';

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
