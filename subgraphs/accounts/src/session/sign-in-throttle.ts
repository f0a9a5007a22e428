import type { Redis } from 'ioredis';
import { RateLimiterRedis, type RateLimiterRes } from 'rate-limiter-flexible';
import { fromRedisError, redisCall, type AppError } from '@polystore/platform';
import { rateLimited } from '../rate-limited';

/**
 * Brute-force protection for sign-in, in accounts' Redis key space (rate-limiter-flexible):
 * attempts are counted per email and per client address within a window; past either budget the
 * sign-in is refused with RATE_LIMITED before the password is even checked. A success clears the
 * email's count and gives the address its attempt back, so only failures accumulate.
 * Keys: rl:signin:email:<email>, rl:signin:addr:<address>, each expiring with its window.
 * No Redis, no sign-in: an attempt that cannot be counted is SERVICE_UNAVAILABLE (the password is
 * never checked unthrottled), at once (redisCall).
 */
export class SignInThrottle {
  private readonly byEmail: RateLimiterRedis;
  private readonly byAddress: RateLimiterRedis;

  constructor(
    redis: Redis,
    private readonly options: { maxPerEmail: number; maxPerAddress: number; windowSeconds: number },
  ) {
    this.byEmail = new RateLimiterRedis({
      storeClient: redis,
      keyPrefix: 'rl:signin:email',
      points: options.maxPerEmail,
      duration: options.windowSeconds,
    });
    this.byAddress = new RateLimiterRedis({
      storeClient: redis,
      keyPrefix: 'rl:signin:addr',
      points: options.maxPerAddress,
      duration: options.windowSeconds,
    });
  }

  /**
   * Count one attempt against the email and the address (atomically in Redis, so parallel
   * attempts cannot slip past the budget); RATE_LIMITED when either budget is spent.
   */
  async attempt(email: string, address: string | undefined): Promise<void> {
    const results = await Promise.allSettled([
      this.byEmail.consume(email),
      address ? this.byAddress.consume(address) : Promise.resolve(null),
    ]);
    const refused: RateLimiterRes[] = [];
    for (const result of results) {
      if (result.status === 'fulfilled') continue;
      // the store failed: not a verdict
      if (result.reason instanceof Error) throw fromRedisError(result.reason);
      refused.push(result.reason as RateLimiterRes);
    }
    if (refused.length) throw tooManyAttempts(Math.max(...refused.map((r) => r.msBeforeNext)));
  }

  /**
   * The password was never checked (the password hasher was too busy to take it): the attempt is
   * given back to the email and the address, so a refusal by load never counts as a failure.
   */
  async notAttempted(email: string, address: string | undefined): Promise<void> {
    await redisCall(() =>
      Promise.all([this.byEmail.reward(email, 1), address ? this.byAddress.reward(address, 1) : undefined]),
    );
  }

  /** A correct password: the email's failures are forgotten and the address gets its attempt back. */
  async succeeded(email: string, address: string | undefined): Promise<void> {
    await redisCall(() =>
      Promise.all([this.byEmail.delete(email), address ? this.byAddress.reward(address, 1) : undefined]),
    );
  }
}

const tooManyAttempts = (waitMs: number): AppError => rateLimited('Too many failed sign-ins', waitMs);
