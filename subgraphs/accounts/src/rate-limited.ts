import { AppError, ErrorCode } from '@polystore/platform';

/** A wait as `retryAfterSeconds`: whole seconds, at least 1 (the gateway turns it into Retry-After). */
export const retryAfterSeconds = (waitMs: number) => Math.max(1, Math.ceil(waitMs / 1000));

/** RATE_LIMITED with `retryAfterSeconds`. */
export function rateLimited(reason: string, waitMs: number): AppError {
  const seconds = retryAfterSeconds(waitMs);
  return new AppError(ErrorCode.RATE_LIMITED, `${reason}; try again in ${seconds} s`, { retryAfterSeconds: seconds });
}
