import type { Redis } from 'ioredis';
import { redisCall } from '@polystore/platform';

/**
 * A signed-in session as accounts keeps it. Only a hash of the refresh secret is stored, and no
 * roles: they are the user's, read from PostgreSQL whenever a token is issued.
 */
export interface SessionRecord {
  id: string;
  userId: string;
  /** sha256 of the current refresh secret (base64url) */
  secretHash: string;
  /** sha256 of the secret it replaced, accepted for a short grace after a rotation */
  previousSecretHash?: string;
  rotatedAt?: number;
  /** ms since the epoch */
  createdAt: number;
  /** ms: the session ends then whatever happens (absolute lifetime) */
  expiresAt: number;
}

const ROTATE = `
local current = redis.call('HGET', KEYS[1], 'secretHash')
if not current then return 0 end
if current ~= ARGV[1] then return -1 end
redis.call('HSET', KEYS[1], 'secretHash', ARGV[2], 'previousSecretHash', ARGV[1], 'rotatedAt', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return 1
`;

type RotatingRedis = Redis & {
  rotateSessionSecret(key: string, expected: string, next: string, now: string, ttlMs: string): Promise<number>;
};

/**
 * The only code that touches session keys, in accounts' own Redis key space (the client carries
 * the `acc:` prefix):
 *   sess:<sessionId>        hash, expires after the idle timeout (renewed on refresh), never past the absolute end
 *   user-sessions:<userId>  set of that user's session ids (sign out everywhere), expires with the longest session
 * Sessions have no other copy: when Redis does not answer, every method fails at once with
 * SERVICE_UNAVAILABLE (redisCall; the client's command timeout bounds a slow Redis).
 */
export class SessionRepository {
  private readonly redis: RotatingRedis;

  constructor(redis: Redis) {
    redis.defineCommand('rotateSessionSecret', { numberOfKeys: 1, lua: ROTATE });
    this.redis = redis as RotatingRedis;
  }

  /** Replaces any session with the same id. One round trip. */
  async create(session: SessionRecord, ttlMs: number, userIndexTtlMs: number): Promise<void> {
    const key = sessionKey(session.id);
    await redisCall(() =>
      this.redis
        .multi()
        .del(key)
        .hset(key, {
          userId: session.userId,
          secretHash: session.secretHash,
          createdAt: String(session.createdAt),
          expiresAt: String(session.expiresAt),
        })
        .pexpire(key, ttlMs)
        .sadd(userKey(session.userId), session.id)
        .pexpire(userKey(session.userId), userIndexTtlMs)
        .exec()
        .then(throwOnFailure),
    );
  }

  async find(id: string): Promise<SessionRecord | null> {
    const hash = await redisCall(() => this.redis.hgetall(sessionKey(id)));
    if (!hash['userId'] || !hash['secretHash']) return null;
    return {
      id,
      userId: hash['userId'],
      secretHash: hash['secretHash'],
      previousSecretHash: hash['previousSecretHash'],
      rotatedAt: hash['rotatedAt'] ? Number(hash['rotatedAt']) : undefined,
      createdAt: Number(hash['createdAt']),
      expiresAt: Number(hash['expiresAt']),
    };
  }

  /**
   * Swap the refresh secret if it is still `expectedHash` (compare-and-set, atomic in Redis) and
   * renew the idle timeout. 'rotated', 'gone' (no session), or 'changed' (another refresh won).
   */
  async rotate(
    id: string,
    expectedHash: string,
    nextHash: string,
    now: number,
    ttlMs: number,
  ): Promise<'rotated' | 'gone' | 'changed'> {
    const result = await redisCall(() =>
      this.redis.rotateSessionSecret(sessionKey(id), expectedHash, nextHash, String(now), String(ttlMs)),
    );
    return result === 1 ? 'rotated' : result === 0 ? 'gone' : 'changed';
  }

  /** Delete one session; true when it existed. */
  async delete(id: string, userId: string): Promise<boolean> {
    const [[, deleted] = []] = throwOnFailure(
      await redisCall(() => this.redis.multi().del(sessionKey(id)).srem(userKey(userId), id).exec()),
    );
    return deleted === 1;
  }

  /** Delete every session of a user; returns the ids of those that still existed. */
  async deleteAllOf(userId: string): Promise<string[]> {
    const ids = await redisCall(() => this.redis.smembers(userKey(userId)));
    if (!ids.length) return [];
    const multi = this.redis.multi();
    for (const id of ids) multi.del(sessionKey(id));
    multi.del(userKey(userId));
    const results = throwOnFailure(await redisCall(() => multi.exec()));
    return ids.filter((_, i) => results[i]?.[1] === 1);
  }
}

const sessionKey = (id: string) => `sess:${id}`;
const userKey = (userId: string) => `user-sessions:${userId}`;

function throwOnFailure<T>(results: [Error | null, T][] | null): [Error | null, T][] {
  if (!results) throw new Error('Redis transaction aborted');
  const failed = results.find(([error]) => error);
  if (failed) throw failed[0];
  return results;
}
