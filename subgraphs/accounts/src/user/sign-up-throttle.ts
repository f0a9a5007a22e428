import type { Redis } from 'ioredis';
import { RateLimiterRedis, type RateLimiterRes } from 'rate-limiter-flexible';
import { fromRedisError, redisCall } from '@polystore/platform';
import { rateLimited } from '../rate-limited';

/**
 * Sign-ups per client address within a window, in accounts' Redis key space (rate-limiter-flexible),
 * like sign-in's throttle: the address is the one the gateway signs into the caller's identity.
 * Every sign-up counts (one that finds its email taken too: it tells whether an email has an
 * account); past the budget, RATE_LIMITED before any hashing. Key: rl:signup:addr:<address>.
 * A sign-up that cannot be counted (Redis down) is SERVICE_UNAVAILABLE, at once, as sign-in's is.
 */
export class SignUpThrottle {
  private readonly byAddress: RateLimiterRedis;

  constructor(redis: Redis, options: { maxPerAddress: number; windowSeconds: number }) {
    this.byAddress = new RateLimiterRedis({
      storeClient: redis,
      keyPrefix: 'rl:signup:addr',
      points: options.maxPerAddress,
      duration: options.windowSeconds,
    });
  }

  /** Count one sign-up against the address (atomically in Redis); RATE_LIMITED when its budget is spent. */
  async attempt(address: string | undefined): Promise<void> {
    if (!address) return;
    try {
      await this.byAddress.consume(address);
    } catch (rejection) {
      if (rejection instanceof Error) throw fromRedisError(rejection); // the store failed: not a verdict
      throw rateLimited('Too many sign-ups from this address', (rejection as RateLimiterRes).msBeforeNext);
    }
  }

  /** The sign-up was not carried out (the password hasher was busy): the address gets it back. */
  async notAttempted(address: string | undefined): Promise<void> {
    if (address) await redisCall(() => this.byAddress.reward(address, 1));
  }
}
