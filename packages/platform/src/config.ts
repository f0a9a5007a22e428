import { z } from 'zod';

/** Raised once at start-up when the environment does not describe a runnable service. */
export class ConfigError extends Error {
  constructor(
    readonly service: string,
    readonly problems: string[],
  ) {
    super(`${service}: invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

/** Settings every service reads the same way. */
export const baseEnv = {
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  HOST: z.string().default('127.0.0.1'),
  /** Operations slower than this are logged at warn level. */
  SLOW_OPERATION_MS: z.coerce.number().int().positive().default(500),
  /**
   * Prometheus metrics are served on a port of their own, never on the client port: METRICS_PORT,
   * else the client port + 5400 (gateway 9400, accounts 9401, ...); 0 picks a free port, as does a
   * client port of 0 (http-server.ts: metricsPortFor).
   */
  METRICS_PORT: z.preprocess((v) => (v === '' ? undefined : v), z.coerce.number().int().min(0).max(65535).optional()),
  /** The metrics port's address: loopback unless a scraper on another host needs it. */
  METRICS_HOST: z.string().default('127.0.0.1'),
  /** When set, /metrics answers only `Authorization: Bearer <token>`; required in production off loopback. */
  METRICS_TOKEN: z.string().min(32, 'must be at least 32 characters').optional(),
};

/** A host name or address that only this machine reaches. */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** Rules over several of the settings every service shares. */
function baseProblems(config: Record<string, unknown>): string[] {
  const host = config['METRICS_HOST'];
  if (typeof host !== 'string') return [];
  if (config['NODE_ENV'] === 'production' && !isLoopbackHost(host) && !config['METRICS_TOKEN']) {
    return [`METRICS_TOKEN: required in production when METRICS_HOST (${host}) is not loopback`];
  }
  return [];
}

export const port = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);

/** A connection string with one of the given URL schemes. */
export const urlWithScheme = (...schemes: string[]) =>
  z.string().refine(
    (value) => {
      try {
        return schemes.includes(new URL(value).protocol.replace(/:$/, ''));
      } catch {
        return false;
      }
    },
    { message: `must be a URL with scheme ${schemes.join(' or ')}` },
  );

/**
 * Pool size the design documents ask for: min(32, CPU × 2).
 * Overridable per service, never larger than the database's own budget allows.
 */
export function defaultPoolSize(cpus: number): number {
  return Math.min(32, Math.max(1, cpus) * 2);
}

/** Parse the environment once; report every problem at once, naming the variables. */
export function loadConfig<S extends z.ZodRawShape>(
  service: string,
  shape: S,
  env: NodeJS.ProcessEnv = process.env,
): z.infer<z.ZodObject<S>> {
  const result = z.object(shape).safeParse(env);
  if (!result.success) {
    throw new ConfigError(
      service,
      result.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`),
    );
  }
  const problems = baseProblems(result.data);
  if (problems.length) throw new ConfigError(service, problems);
  return result.data;
}

/** Hide the password of a connection string before it goes into a log line. */
export function redactUrl(value: string): string {
  try {
    const url = new URL(value);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return '(unparseable url)';
  }
}

/** Load configuration or exit with the problems listed: a service with bad settings must not start. */
export function configOrExit<T>(load: () => T): T {
  try {
    return load();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
}

/** A secret shared with the gateway: long enough to resist guessing. */
export const signingSecret = () =>
  z.string().min(32, 'must be at least 32 characters (scripts/stack up generates one per subgraph)');
