import { decodeSessionGrant, SESSION_GRANT_HEADER, type SessionGrant } from '@polystore/platform';

type Sink = (grant: SessionGrant) => Promise<void>;

/**
 * Where session changes reported by accounts go for one request (cookies, revocations): a symbol
 * property of the request's context, which Apollo copies along with the context's other fields.
 */
const SINK = Symbol('sessionGrantSink');

export function acceptSessionGrants(context: object, sink: Sink): void {
  Object.defineProperty(context, SINK, { value: sink, enumerable: true });
}

/**
 * Called with every response of the accounts subgraph (only accounts; see subgraph-source.ts):
 * a session grant in its headers is applied before the client's response is sent.
 */
export async function receiveSessionGrant(
  context: object,
  headers: { get(name: string): string | null } | undefined,
): Promise<void> {
  const sink = (context as { [SINK]?: Sink })[SINK];
  const grant = decodeSessionGrant(headers?.get(SESSION_GRANT_HEADER));
  if (sink && grant) await sink(grant);
}
