import { AppError, ErrorCode } from './errors';
import { CALLER_HEADER, signRequest } from './gateway-trust';

/** A service calling the graph as itself: its name and the secret it shares with the gateway. */
export interface GraphCaller {
  service: string;
  secret: string;
}

/**
 * A service reading another domain through the public graph (the gateway), like any client:
 * never through the other service's store. Fails with SERVICE_UNAVAILABLE (retryable; nothing
 * was written) when the graph cannot answer.
 */
export async function queryGraph<T>(
  url: string,
  request: { query: string; operationName: string; variables?: Record<string, unknown> },
  options: { clientName: string; timeoutMs?: number; headers?: Record<string, string>; caller?: GraphCaller },
): Promise<T> {
  let response: Response;
  const payload = JSON.stringify(request);
  // Signed as the calling service: the gateway then treats it as the service (no rate limit of a
  // client address, no session) rather than as an anonymous client.
  const asService = options.caller
    ? {
        [CALLER_HEADER]: options.caller.service,
        ...signRequest(options.caller.secret, payload, { roles: ['service'], service: options.caller.service }),
      }
    : {};
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'apollographql-client-name': options.clientName,
        ...options.headers,
        ...asService,
      },
      body: payload,
      signal: AbortSignal.timeout(options.timeoutMs ?? 3000),
    });
  } catch (error) {
    throw unavailable(`${request.operationName}: the graph could not be reached (${(error as Error).message})`);
  }
  const body = (await response.json().catch(() => null)) as { data?: T; errors?: { message: string }[] } | null;
  if (!response.ok || !body?.data || body.errors?.length) {
    throw unavailable(`${request.operationName}: ${body?.errors?.[0]?.message ?? `HTTP ${response.status}`}`);
  }
  return body.data;
}

function unavailable(detail: string): AppError {
  return new AppError(ErrorCode.SERVICE_UNAVAILABLE, 'A service this request depends on did not answer; try again', {
    detail,
  });
}
