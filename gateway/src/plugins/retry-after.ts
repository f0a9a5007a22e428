import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import type { GraphQLFormattedError } from 'graphql';
import { ErrorCode } from '@polystore/platform';

/** The longest `retryAfterSeconds` among an answer's RATE_LIMITED errors, or undefined when none says. */
export function retryAfterOf(errors: readonly GraphQLFormattedError[] | undefined): number | undefined {
  const waits = (errors ?? [])
    .filter((e) => e.extensions?.['code'] === ErrorCode.RATE_LIMITED)
    .map((e) => Number(e.extensions?.['retryAfterSeconds']))
    .filter((seconds) => Number.isFinite(seconds) && seconds > 0);
  return waits.length ? Math.ceil(Math.max(...waits)) : undefined;
}

/**
 * A subgraph's RATE_LIMITED refusal (sign-in or sign-up throttle, a full password hasher) said the
 * way the gateway's own rate limit says it: `Retry-After` with its `retryAfterSeconds`, and HTTP 429
 * when the operation has no data at all (a refused mutation); with partial data the answer stays 200.
 */
export function retryAfterPlugin(): ApolloServerPlugin<BaseContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response }) {
          if (response.body.kind !== 'single') return;
          const { data, errors } = response.body.singleResult;
          const seconds = retryAfterOf(errors);
          if (seconds === undefined) return;
          response.http.headers.set('retry-after', String(seconds));
          if (data === null || data === undefined) response.http.status = 429;
        },
      };
    },
  };
}
