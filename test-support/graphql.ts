import { ANONYMOUS, signRequest, type Identity } from '@polystore/platform';

export interface GraphQLResponse<T = Record<string, unknown>> {
  status: number;
  data?: T | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
}

/** POST a GraphQL operation over real HTTP, as a client would. */
export async function gql<T = Record<string, any>>(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Promise<GraphQLResponse<T>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as Omit<GraphQLResponse<T>, 'status'>;
  return { status: response.status, ...body };
}

/** The error codes of a response, in order. */
export const codes = (response: GraphQLResponse<unknown>) => (response.errors ?? []).map((e) => e.extensions?.['code']);

/** The secret test subgraphs share with their (test) gateway. */
export const TEST_SIGNING_SECRET = 'test-signing-secret-0123456789abcdefghijklmnop';

/** A signed-in staff user, as the gateway vouches for one (the role the catalog's and payments' writes need). */
export const STAFF: Identity = Object.freeze({
  userId: '0190a0b0-0000-7000-8000-00000000c0c0',
  roles: ['customer', 'staff'],
}) as Identity;

/** A signed-in customer (no staff role). */
export const CUSTOMER: Identity = Object.freeze({
  userId: '0190a0b0-0000-7000-8000-00000000c057',
  roles: ['customer'],
}) as Identity;

/** POST to a subgraph as the gateway does: signed, optionally on behalf of a user. */
export async function signedGql<T = Record<string, any>>(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  identity: Identity = ANONYMOUS,
  secret = TEST_SIGNING_SECRET,
): Promise<GraphQLResponse<T>> {
  const body = JSON.stringify({ query, variables });
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...signRequest(secret, body, identity) },
    body,
  });
  return { status: response.status, ...((await response.json()) as Omit<GraphQLResponse<T>, 'status'>) };
}
