import { decodeSessionGrant, SESSION_GRANT_HEADER, type SessionGrant } from '@polystore/platform';

type Sink = (grant: SessionGrant) => Promise<void>;

/** Per request context: where session changes reported by accounts go (cookies, revocations). */
const sinks = new WeakMap<object, Sink>();

export function acceptSessionGrants(context: object, sink: Sink): void {
  sinks.set(context, sink);
}

/**
 * Called with every response of the accounts subgraph (only accounts; see subgraph-source.ts):
 * a session grant in its headers is applied before the client's response is sent.
 */
export async function receiveSessionGrant(
  context: object,
  headers: { get(name: string): string | null } | undefined,
): Promise<void> {
  const sink = sinks.get(context);
  const grant = decodeSessionGrant(headers?.get(SESSION_GRANT_HEADER));
  if (sink && grant) await sink(grant);
}
