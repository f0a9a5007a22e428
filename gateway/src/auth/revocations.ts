import type { Redis } from 'ioredis';
import type { SessionGrant } from '@polystore/platform';

/**
 * Longer than any access token lives (accounts caps their lifetime at 900 s) plus clock skew: once
 * a revocation expires, every token it was meant to refuse has expired too.
 */
export const REVOCATION_TTL_MS = 16 * 60_000;

/**
 * Sessions that ended, as accounts reported them on the responses that ended them (sign-out,
 * sign-out everywhere, a replayed refresh secret, sign-in over an old session). Kept in the
 * gateway's own Redis (`rev:<session id>` = when, in ms), so every gateway instance refuses the
 * session's remaining access tokens at once, not when they expire. The gateway never reads
 * accounts' keys: it learns only what accounts tells it.
 */
export class Revocations {
  constructor(private readonly redis: Redis) {}

  /** One round trip for any number; done before the response that reports them is sent. */
  async record(revoked: SessionGrant['revoked']): Promise<void> {
    if (!revoked?.length) return;
    const pipeline = this.redis.pipeline();
    for (const { sessionId, at } of revoked) pipeline.set(key(sessionId), String(at), 'PX', REVOCATION_TTL_MS);
    const results = await pipeline.exec();
    const failed = results?.find(([error]) => error);
    if (failed) throw failed[0];
  }

  /** Whether a token of this session, created at `sessionCreatedAt`, was revoked since. */
  async isRevoked(sessionId: string, sessionCreatedAt: number): Promise<boolean> {
    const at = await this.redis.get(key(sessionId));
    return at !== null && Number(at) >= sessionCreatedAt;
  }
}

const key = (sessionId: string) => `rev:${sessionId}`;
