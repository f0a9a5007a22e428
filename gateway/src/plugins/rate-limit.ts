import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { ErrorCode, type Identity } from '@polystore/platform';
import { identityOf } from '../auth/authenticate';
import { graphqlErrorResponse } from '../http/errors';

/**
 * Requests per window, per signed-in session, or per client address when anonymous (an anonymous
 * session id is the client's to choose, its address is not). Counted in the gateway's Redis
 * (`rl:req:<key>`, expiring with the window) with rate-limiter-flexible, so every gateway instance
 * shares one budget. Without Redis (development), and for every request Redis cannot count (down,
 * or slower than its command timeout: reported to `onFallback`), an in-process limiter with the same
 * budget counts instead: each instance then limits on its own. Over the budget: 429, Retry-After,
 * code RATE_LIMITED — before any parsing or subgraph call.
 */
export function useRateLimit(
  redis: Redis | undefined,
  options: {
    points: number;
    windowSeconds: number;
    onLimited?: (key: string) => void;
    onFallback?: (error: unknown) => void;
  },
): RequestHandler {
  const local = new RateLimiterMemory({ points: options.points, duration: options.windowSeconds });
  const shared = redis
    ? new RateLimiterRedis({
        storeClient: redis,
        keyPrefix: 'rl:req',
        points: options.points,
        duration: options.windowSeconds,
        // not connected: fail at once (to the in-process limiter), never wait for a reconnect
        rejectIfRedisNotReady: true,
      })
    : undefined;
  const consume = async (key: string): Promise<RateLimiterRes> => {
    if (!shared) return local.consume(key);
    try {
      return await shared.consume(key);
    } catch (error) {
      if (error instanceof RateLimiterRes) throw error; // a verdict: over the budget
      options.onFallback?.(error);
      return local.consume(key);
    }
  };
  return async (req: Request, res: Response, next: NextFunction) => {
    // Preflights, and Polystore's own services (each of their calls serves a client request that
    // was counted already), spend no budget.
    if (req.method === 'OPTIONS' || identityOf(res).service) return next();
    const key = rateLimitKey(identityOf(res));
    try {
      const result = await consume(key);
      res.setHeader('RateLimit-Limit', options.points);
      res.setHeader('RateLimit-Remaining', result.remainingPoints);
      next();
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) return next(rejection);
      const retryAfterSeconds = Math.max(1, Math.ceil(rejection.msBeforeNext / 1000));
      options.onLimited?.(key);
      res.setHeader('Retry-After', retryAfterSeconds);
      res.setHeader('RateLimit-Limit', options.points);
      res.setHeader('RateLimit-Remaining', 0);
      graphqlErrorResponse(res, 429, ErrorCode.RATE_LIMITED, `Too many requests; try again in ${retryAfterSeconds} s`, {
        retryAfterSeconds,
      });
    }
  };
}

export function rateLimitKey(identity: Identity): string {
  return identity.userId && identity.sessionId ? `s:${identity.sessionId}` : `a:${identity.clientAddress ?? 'unknown'}`;
}
