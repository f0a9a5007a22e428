import { counterValue, createMetrics, createRedis, redisFailure } from '../src';
import { requireVar, stackEnv, uniqueSuffix } from '../../../test-support/stack-env';

// Against the stack's real Redis, as the admin user, under a test prefix inside a declared key
// space (m2m's check of every key may run at the same time in another worker).
describe('createRedis', () => {
  const metrics = createMetrics('test');
  const redis = createRedis(requireVar(stackEnv(), 'REDIS_URL'), metrics);
  const key = `events:t_${uniqueSuffix()}`;
  const count = () => counterValue(metrics.registry, 'store_commands_total', { store: 'redis' });

  afterAll(async () => {
    await redis.del(key, `${key}:b`);
    redis.disconnect();
  });

  it('counts a command as one round trip', async () => {
    await redis.connect();
    const before = await count();
    await redis.set(key, '1');
    expect(await redis.get(key)).toBe('1');
    expect((await count()) - before).toBe(2);
  });

  it('counts a pipeline or a transaction as one round trip, whatever it holds', async () => {
    const before = await count();
    const results = await redis.pipeline().incr(key).incr(key).get(key).exec();
    expect(results?.map(([, v]) => v)).toEqual([2, 3, '3']);
    expect((await count()) - before).toBe(1);
    const between = await count();
    await redis.multi().set(`${key}:b`, 'x').get(`${key}:b`).exec();
    expect((await count()) - between).toBe(1);
  });

  it('gives up on a command Redis has not answered within its command timeout, counted as a timeout', async () => {
    const own = createMetrics('test');
    const impatient = createRedis(requireVar(stackEnv(), 'REDIS_URL'), own, { commandTimeout: 100 });
    await impatient.connect();
    try {
      // Redis answers this one after 2 s (the list stays empty); the client stops waiting first
      const error = await impatient.blpop(`${key}:never`, 2).catch((e: unknown) => e);
      expect(redisFailure(error)).toBe('timeout');
      expect(
        await counterValue(own.registry, 'store_command_errors_total', { store: 'redis', reason: 'timeout' }),
      ).toBe(1);
    } finally {
      impatient.disconnect();
    }
  });
});
