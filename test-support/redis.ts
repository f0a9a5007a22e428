import { Redis } from 'ioredis';
import { requireVar, stackEnv, uniqueSuffix } from './stack-env';

export interface TestKeySpace {
  /** The service's own Redis URL (its ACL user). */
  url: string;
  /** `<space>:t_<suffix>:`, under the service's key space: every key a test writes starts with it. */
  prefix: string;
  /** Every key under the prefix (read with the service's own user). */
  keys(): Promise<string[]>;
  /** Delete every key under the prefix. */
  drop(): Promise<void>;
}

/**
 * A key prefix of its own for one test file inside a service's Redis key space (`gw`, `acc`, ...),
 * reached as that service's ACL user, so parallel runs never see each other's keys.
 */
export function createTestKeySpace(space: 'gw' | 'acc' | 'cart', urlVar: string): TestKeySpace {
  const url = requireVar(stackEnv(), urlVar);
  const prefix = `${space}:t_${uniqueSuffix()}:`;
  const withClient = async <T>(fn: (redis: Redis) => Promise<T>): Promise<T> => {
    const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, enableReadyCheck: false });
    await redis.connect();
    try {
      return await fn(redis);
    } finally {
      redis.disconnect();
    }
  };
  const keys = () =>
    withClient(async (redis) => {
      const found: string[] = [];
      let cursor = '0';
      do {
        const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
        cursor = next;
        found.push(...batch);
      } while (cursor !== '0');
      return found;
    });
  return {
    url,
    prefix,
    keys,
    async drop() {
      const all = await keys();
      if (all.length) await withClient((redis) => redis.del(...all));
    },
  };
}
