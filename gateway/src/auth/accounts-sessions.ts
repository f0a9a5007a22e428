import { AppError, ErrorCode, sessionGrantSchema, signRequest, type SessionGrant } from '@polystore/platform';

export type RefreshResult = { ok: boolean; grant: SessionGrant };

/**
 * The gateway's one direct call to accounts outside GraphQL: exchange a session's refresh secret for
 * a new access token (accounts rotates the secret). HMAC-signed like every gateway request.
 * Concurrent refreshes of one session share a single call.
 */
export class AccountsSessions {
  private readonly inFlight = new Map<string, Promise<RefreshResult>>();

  constructor(
    private readonly refreshUrl: URL,
    private readonly signingSecret: string,
    private readonly timeoutMs = 3_000,
  ) {}

  refresh(sessionId: string, secret: string): Promise<RefreshResult> {
    const key = `${sessionId}.${secret}`;
    let pending = this.inFlight.get(key);
    if (!pending) {
      pending = this.call(sessionId, secret).finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, pending);
    }
    return pending;
  }

  private async call(sessionId: string, secret: string): Promise<RefreshResult> {
    const body = JSON.stringify({ sessionId, secret });
    let response: Response;
    try {
      response = await fetch(this.refreshUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...signRequest(this.signingSecret, body) },
        body,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      throw sessionUnavailable((error as Error).message);
    }
    if (response.status !== 200 && response.status !== 401) {
      throw sessionUnavailable(`HTTP ${response.status}`);
    }
    const grant = sessionGrantSchema.safeParse(await response.json().catch(() => null));
    if (!grant.success) throw sessionUnavailable('malformed answer');
    return { ok: response.status === 200 && Boolean(grant.data.issued), grant: grant.data };
  }
}

export function sessionUnavailable(detail: string): AppError {
  return new AppError(ErrorCode.SERVICE_UNAVAILABLE, 'Your session could not be checked; try again', { detail });
}
