import type { Request } from 'express';
import { Role, type Identity, type SubgraphRequest } from '@polystore/platform';

/**
 * For unit tests of a service's rules on fakes of its repository: the services of one request,
 * built by the service's own context.ts exactly as the subgraph server builds them.
 */

/** A UUID numbered `n`, for the records of a fake. */
export const testUuid = (n: number) => `0190a0b0-0000-7000-8000-${String(n).padStart(12, '0')}`;

/** Two customers, a staff user and an anonymous caller, as the gateway vouches for them. */
export const ALICE = testUuid(0xa1);
export const BOB = testUuid(0xb0);
export const viewers = {
  alice: { roles: [Role.CUSTOMER], userId: ALICE, sessionId: testUuid(0x5e55a1) },
  bob: { roles: [Role.CUSTOMER], userId: BOB, sessionId: testUuid(0x5e55b0) },
  staff: { roles: [Role.CUSTOMER, Role.STAFF], userId: testUuid(0x57a), sessionId: testUuid(0x5e5557a) },
  anonymous: { roles: [], sessionId: testUuid(0x5e55) },
} satisfies Record<string, Identity>;

/** `request(viewer)`: the services a fresh request of that viewer gets. */
export function requestsTo<S>(context: (request: SubgraphRequest) => Promise<{ services: S }>) {
  return async (viewer: Identity, req: Partial<Request> = {}): Promise<S> =>
    (await context({ req: req as Request, requestId: 'unit-test', viewer })).services;
}

/** The error code a promise rejects with (`no error` when it resolves). */
export const codeOf = (promise: Promise<unknown>) =>
  promise.then(
    () => 'no error',
    (error: { extensions?: { code?: string } }) => error.extensions?.code,
  );
