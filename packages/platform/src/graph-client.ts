import { AppError, ErrorCode } from './errors';

/**
 * A service reading another domain through the public graph (the gateway), like any client:
 * never through the other service's store. Fails with SERVICE_UNAVAILABLE (retryable; nothing
 * was written) when the graph cannot answer.
 */
export async function queryGraph<T>(
  url: string,
  request: { query: string; operationName: string; variables?: Record<string, unknown> },
  options: { clientName: string; timeoutMs?: number; headers?: Record<string, string> },
): Promise<T> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'apollographql-client-name': options.clientName,
        ...options.headers,
      },
      body: JSON.stringify(request),
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
