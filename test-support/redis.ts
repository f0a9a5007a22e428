import { Redis } from 'ioredis';
import { requireVar, stackEnv, uniqueSuffix } from './stack-env';

export interface TestKeySpace {
  /** The service's own Redis URL (its ACL user), e.g. CART_REDIS_URL. */
  url: string;
  /** `<space>:t_<suffix>:`: inside the service's ACL key space, apart from every other test run. */
  prefix: string;
  /** A client as the service's own ACL user, for the test's assertions. */
  redis: Redis;
  /** Every key under the prefix, sorted. */
  keys(): Promise<string[]>;
  /** Delete every key under the prefix and disconnect. */
  drop(): Promise<void>;
}

/**
 * A key namespace of one test file inside a service's Redis key space (`cart:*` for the `cart`
 * user): Redis has no databases per test, so the keys carry the test's own prefix instead.
 */
export async function createTestKeySpace(space: string, urlVar: string): Promise<TestKeySpace> {
  const url = requireVar(stackEnv(), urlVar);
  const prefix = `${space}:t_${uniqueSuffix()}:`;
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 2, enableReadyCheck: false });
  await redis.connect();
  const keys = async () => {
    const found: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      found.push(...batch);
    } while (cursor !== '0');
    return [...new Set(found)].sort();
  };
  return {
    url,
    prefix,
    redis,
    keys,
    async drop() {
      const all = await keys();
      if (all.length) await redis.del(...all);
      redis.disconnect();
    },
  };
}
