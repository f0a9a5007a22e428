import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { ReplyError } from 'ioredis';
import { AppError } from './errors';
import { counterValue, createMetrics } from './metrics';
import { createRedis, isRedisUnavailable, redisCall, redisFailure, redisReconnectDelay } from './redis';

/** A loopback port nothing listens on: a Redis that is down. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('a Redis client from createRedis, its Redis down', () => {
  it('fails every command at once (no offline queue to wait in), counted as an offline error', async () => {
    const metrics = createMetrics('test');
    const redis = createRedis(`redis://127.0.0.1:${await closedPort()}`, metrics);
    redis.on('error', () => undefined);
    await expect(redis.connect()).rejects.toThrow();
    const failures = await Promise.all([
      redis.get('k').catch((e: unknown) => e),
      redis.set('k', 'v').catch((e: unknown) => e),
      redis
        .multi()
        .set('a', '1')
        .exec()
        .catch((e: unknown) => e),
    ]);
    expect(failures.map(redisFailure)).toEqual(['offline', 'offline', 'offline']);
    expect(await counterValue(metrics.registry, 'store_command_errors_total', { reason: 'offline' })).toBe(3);
    expect(await counterValue(metrics.registry, 'store_commands_total', { store: 'redis' })).toBe(3);
    // it keeps trying to reconnect, in the background
    expect(redis.status).toBe('reconnecting');
    redis.disconnect();
  });

  it('answers SERVICE_UNAVAILABLE through redisCall, where the data has no other copy', async () => {
    const redis = createRedis(`redis://127.0.0.1:${await closedPort()}`, createMetrics('test'));
    redis.on('error', () => undefined);
    await redis.connect().catch(() => undefined);
    const error = await redisCall(() => redis.get('k')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).extensions).toEqual({ code: 'SERVICE_UNAVAILABLE' });
    expect((error as AppError).message).not.toMatch(/redis/i);
    redis.disconnect();
  });
});

describe('what a Redis error means', () => {
  it.each([
    [new Error('Command timed out'), 'timeout', true],
    [new Error("Stream isn't writeable and enableOfflineQueue options is false"), 'offline', true],
    [new Error('Connection is closed.'), 'closed', true],
    [Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }), 'closed', true],
    [new ReplyError('LOADING Redis is loading the dataset in memory'), 'offline', true],
    [new ReplyError('WRONGTYPE Operation against a key holding the wrong kind of value'), 'reply', false],
    [new TypeError('x is not a function'), undefined, false],
  ])('%s → %s', (error, failure, unavailable) => {
    expect(redisFailure(error)).toBe(failure);
    expect(isRedisUnavailable(error)).toBe(unavailable);
  });

  it('passes a refusal from Redis (a fault of ours, not an outage) through redisCall unchanged', async () => {
    const refusal = new ReplyError('WRONGTYPE Operation against a key holding the wrong kind of value');
    await expect(redisCall(() => Promise.reject(refusal))).rejects.toBe(refusal);
  });
});

describe('reconnecting', () => {
  it('tries again soon, then every 2 s at most', () => {
    expect(redisReconnectDelay(1)).toBeLessThan(150);
    expect(redisReconnectDelay(3)).toBeGreaterThanOrEqual(200);
    for (const attempt of [10, 100, 10_000]) expect(redisReconnectDelay(attempt)).toBeLessThan(2_100);
  });
});
