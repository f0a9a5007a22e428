import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { Fetcher } from '@apollo/utils.fetcher';
import { ANONYMOUS, encodeIdentity, IDENTITY_HEADER, signatureHeaders, type Identity } from '@polystore/platform';
import { receiveSessionGrant } from './auth/session-grants';

export interface GatewayContext {
  requestId: string;
  identity: Identity;
}

/**
 * Wrap a fetcher so every request to one subgraph carries the gateway's signature with that
 * subgraph's own secret, over the exact body bytes sent (see platform/gateway-trust).
 */
export function signingFetcher(secret: string, inner: Fetcher): Fetcher {
  return (url, init = {}) => {
    const headers = { ...(init.headers as Record<string, string> | undefined) };
    const body = typeof init.body === 'string' ? init.body : '';
    const identity = headers[IDENTITY_HEADER] ?? encodeIdentity(ANONYMOUS);
    return inner(url, { ...init, headers: { ...headers, ...signatureHeaders(secret, body, identity) } });
  };
}

/**
 * For a subgraph the gateway holds no secret for: the caller's identity is not sent at all, since
 * identity travels only inside a signed request (a subgraph could not tell it from a forgery).
 */
export function unsignedFetcher(inner: Fetcher): Fetcher {
  return (url, init = {}) => {
    const { [IDENTITY_HEADER]: _unsigned, ...headers } = (init.headers as Record<string, string> | undefined) ?? {};
    return inner(url, { ...init, headers });
  };
}

/** One subgraph, as the gateway calls it: identity and request id forwarded, every request signed. */
export class PolystoreDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  /** Only the accounts subgraph may hand the gateway session changes (sign-in, sign-out). */
  declare readonly acceptsSessionGrants?: boolean;

  constructor(
    config: ConstructorParameters<typeof RemoteGraphQLDataSource<GatewayContext>>[0] & {
      acceptsSessionGrants?: boolean;
    },
  ) {
    super(config);
  }

  override willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<GatewayContext>): void {
    // Only the gateway's own view of the caller travels, never a header the client sent.
    const identity = 'identity' in context && context.identity ? context.identity : ANONYMOUS;
    request.http?.headers.set(IDENTITY_HEADER, encodeIdentity(identity));
    if ('requestId' in context && context.requestId) request.http?.headers.set('x-request-id', context.requestId);
  }

  override async didReceiveResponse({
    response,
    context,
  }: Parameters<NonNullable<RemoteGraphQLDataSource<GatewayContext>['didReceiveResponse']>>[0]) {
    if (this.acceptsSessionGrants) await receiveSessionGrant(context, response.http?.headers);
    return response;
  }
}
