import type { Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';
import type { SessionGrant } from '@polystore/platform';

/**
 * Longer than any access token lives (accounts caps their lifetime at 900 s) plus clock skew: once
 * a revocation expires, every token it was meant to refuse has expired too.
 */
export const REVOCATION_TTL_MS = 16 * 60_000;

/** What the list says about one session's token: refused, accepted, or not knowable right now. */
export type RevocationCheck = 'revoked' | 'valid' | 'unknown';

/**
 * Sessions that ended, as accounts reported them on the responses that ended them (sign-out,
 * sign-out everywhere, a replayed refresh secret, sign-in over an old session). Kept in the
 * gateway's own Redis (`rev:<session id>` = when, in ms), so every gateway instance refuses the
 * session's remaining access tokens at once, not when they expire; and in this process too, so
 * the instance that saw a sign-out refuses its tokens even while Redis cannot answer. Without Redis
 * (development) this process's list is the whole list. The gateway never reads accounts' keys: it
 * learns only what accounts tells it. docs/adr/0008 says what a token gets when Redis is down.
 */
export class Revocations {
  private readonly local: LRUCache<string, number>;

  constructor(
    private readonly redis: Redis | undefined,
    private readonly options: {
      /** Redis could not be read or written: the caller counts and logs it. */
      onUnavailable?: (action: 'read' | 'write', error: unknown) => void;
      maxLocal?: number;
    } = {},
  ) {
    this.local = new LRUCache({ max: options.maxLocal ?? 50_000, ttl: REVOCATION_TTL_MS });
  }

  /**
   * Done before the response that reports them is sent: this process at once, Redis in one round
   * trip. A Redis that cannot take them is reported to onUnavailable, never thrown: the session is
   * over in accounts whatever happens here, and the client must still get its answer.
   */
  async record(revoked: SessionGrant['revoked']): Promise<void> {
    if (!revoked?.length) return;
    for (const { sessionId, at } of revoked) this.local.set(sessionId, Math.max(at, this.local.get(sessionId) ?? 0));
    if (!this.redis) return;
    try {
      const pipeline = this.redis.pipeline();
      for (const { sessionId, at } of revoked) pipeline.set(key(sessionId), String(at), 'PX', REVOCATION_TTL_MS);
      const results = await pipeline.exec();
      const failed = results?.find(([error]) => error);
      if (failed) throw failed[0];
    } catch (error) {
      this.options.onUnavailable?.('write', error);
    }
  }

  /**
   * Whether a token of this session, created at `sessionCreatedAt`, was revoked since: `unknown`
   * when only this process's list could be read (Redis did not answer) and it has nothing.
   */
  async check(sessionId: string, sessionCreatedAt: number): Promise<RevocationCheck> {
    const here = this.local.get(sessionId);
    if (here !== undefined && here >= sessionCreatedAt) return 'revoked';
    if (!this.redis) return 'valid';
    let at: string | null;
    try {
      at = await this.redis.get(key(sessionId));
    } catch (error) {
      this.options.onUnavailable?.('read', error);
      return 'unknown';
    }
    return at !== null && Number(at) >= sessionCreatedAt ? 'revoked' : 'valid';
  }

  /** Whether the shared list answers now: a refresh waits for that (auth/authenticate.ts). */
  async answers(sessionId: string): Promise<boolean> {
    return (await this.check(sessionId, Number.MAX_SAFE_INTEGER)) !== 'unknown';
  }
}

const key = (sessionId: string) => `rev:${sessionId}`;
