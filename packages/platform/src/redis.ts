import { Command, Redis, ReplyError, type RedisOptions } from 'ioredis';
import { z } from 'zod';
import { AppError, ErrorCode } from './errors';
import { rateLimitedWarn, type Logger } from './logger';
import type { ServiceMetrics } from './metrics';

/** Longest a Redis command may take before its caller is told Redis did not answer. */
export const DEFAULT_REDIS_COMMAND_TIMEOUT_MS = 500;

/** The Redis client setting every service with a Redis reads the same way (docs/redis-clients.md). */
export const redisClientEnv = {
  REDIS_COMMAND_TIMEOUT_MS: z.coerce.number().int().min(10).max(60_000).default(DEFAULT_REDIS_COMMAND_TIMEOUT_MS),
};

/** Reconnect soon, then every 2 s at most (with jitter), for as long as it takes. */
export function redisReconnectDelay(attempt: number): number {
  return Math.min(2_000, 50 * 2 ** Math.max(0, attempt - 1)) + Math.floor(Math.random() * 100);
}

/** Why a Redis command failed: no answer in time, no connection, a connection lost, or Redis said no. */
export type RedisFailure = 'timeout' | 'offline' | 'closed' | 'reply';

const UNAVAILABLE_REPLY = /^(LOADING|BUSY|MASTERDOWN|TRYAGAIN|CLUSTERDOWN)\b/;

/** What kind of failure an error from an ioredis command is; undefined for one that is not Redis's. */
export function redisFailure(error: unknown): RedisFailure | undefined {
  if (!(error instanceof Error)) return undefined;
  if (error instanceof ReplyError) return UNAVAILABLE_REPLY.test(error.message) ? 'offline' : 'reply';
  if (error.message === 'Command timed out') return 'timeout';
  if (error.message.includes('enableOfflineQueue')) return 'offline';
  const code = (error as { code?: string }).code;
  if (
    error.name === 'MaxRetriesPerRequestError' ||
    /^Connection is closed|^Socket timeout/.test(error.message) ||
    (code !== undefined && /^E[A-Z]+$/.test(code))
  ) {
    return 'closed';
  }
  return undefined;
}

/** Redis did not answer (down, unreachable, too slow) — as opposed to answering with an error. */
export function isRedisUnavailable(error: unknown): boolean {
  const failure = redisFailure(error);
  return failure !== undefined && failure !== 'reply';
}

/**
 * For a service whose own data lives in Redis (cart, accounts' sessions): the error of a command
 * Redis did not answer becomes SERVICE_UNAVAILABLE (try again), any other error stays as it is.
 * The client is not told which store; the service's log names it (createRedis).
 */
export function fromRedisError(error: unknown): unknown {
  return isRedisUnavailable(error)
    ? new AppError(ErrorCode.SERVICE_UNAVAILABLE, 'The service cannot reach its store right now; try again')
    : error;
}

/** Run Redis commands, their failure to answer becoming SERVICE_UNAVAILABLE (fromRedisError). */
export async function redisCall<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw fromRedisError(error);
  }
}

export interface RedisClientOptions extends RedisOptions {
  /** Where connection and command failures are logged (rate-limited); default: ioredis's own warning. */
  logger?: Logger;
}

/**
 * An ioredis client for one service's own key space (its ACL user can touch nothing else), made
 * to fail fast (docs/redis-clients.md): every command has a deadline (`commandTimeout`, default
 * REDIS_COMMAND_TIMEOUT_MS); there is no offline queue, so while the connection is down a command
 * fails at once instead of waiting for a reconnect; a connection that stops answering is closed
 * (`socketTimeout`), so the commands after it fail at once too; a command whose connection broke is
 * never sent again later (its caller was already told it failed); reconnection goes on in the
 * background, at most 2 s apart. A client for blocking commands (XREAD BLOCK) must pass
 * `commandTimeout` and `socketTimeout` undefined.
 *
 * Every round trip is counted in store_commands_total{store="redis"}: a command as itself, a
 * pipeline or MULTI/EXEC block once, as `pipeline`, since it travels as one write; every one Redis
 * did not answer, or refused, in store_command_errors_total{store="redis",reason}. The handshake of
 * each new connection (HELLO, AUTH, CLIENT SETINFO) is not the service's work and is not counted.
 */
export function createRedis(url: string, metrics: ServiceMetrics, options: RedisClientOptions = {}): Redis {
  const { logger, ...redisOptions } = options;
  const commandTimeout = redisOptions.commandTimeout ?? DEFAULT_REDIS_COMMAND_TIMEOUT_MS;
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 2_000,
    commandTimeout,
    socketTimeout: Math.max(1_000, 2 * commandTimeout),
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    autoResendUnfulfilledCommands: false,
    retryStrategy: redisReconnectDelay,
    // The ready check runs INFO, which a key-space ACL user may not run (-@dangerous).
    enableReadyCheck: false,
    ...redisOptions,
  });
  const warn = logger ? rateLimitedWarn(logger) : undefined;
  if (warn) {
    redis.on('error', (error: Error) =>
      warn('connection', { store: 'redis', err: error.message }, 'Redis unavailable'),
    );
  }
  const failed = (error: unknown) => {
    // a script's first EVALSHA on a new connection: ioredis sends the script itself next
    if (error instanceof ReplyError && /^NOSCRIPT\b/.test((error as Error).message)) return;
    const reason = redisFailure(error) ?? 'reply';
    metrics.storeCommandErrors.inc({ store: 'redis', reason });
    warn?.(reason, { store: 'redis', reason, err: (error as Error).message }, 'Redis command failed');
  };
  const sendCommand = redis.sendCommand.bind(redis);
  const pipelinesSeen = new WeakSet<object>();
  redis.sendCommand = ((command, stream, ...rest) => {
    if (redis.status === 'connect' && Command.checkFlag('HANDSHAKE_COMMANDS', command.name)) {
      return sendCommand(command, stream, ...rest);
    }
    const batch = stream as { isPipeline?: boolean } | undefined;
    const counted = !batch?.isPipeline || !pipelinesSeen.has(batch);
    if (!batch?.isPipeline) {
      metrics.storeCommands.inc({ store: 'redis', operation: command.name.toUpperCase() });
    } else if (counted) {
      pipelinesSeen.add(batch);
      metrics.storeCommands.inc({ store: 'redis', operation: 'pipeline' });
    }
    const sent = sendCommand(command, stream, ...rest);
    // a batch fails as a whole: its first command stands for it
    if (counted) command.promise.catch(failed);
    return sent;
  }) as Redis['sendCommand'];
  return redis;
}
