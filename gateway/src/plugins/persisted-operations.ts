import { createHash } from 'node:crypto';
import type { KeyValueCache } from '@apollo/utils.keyvaluecache';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { parse, print } from 'graphql';
import type { Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';
import { loadNamedOperations, type NamedOperation } from '@polystore/platform';

/** One operation of the safelist, as clients send it. */
export interface PersistedOperation extends NamedOperation {
  /** sha256 (hex) of `body`: what clients send as extensions.persistedQuery.sha256Hash */
  hash: string;
}

export const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * The safelist: every named operation in the `*.graphql` files of `dir`, hashed as clients send it
 * (the platform prints each with only the fragments it uses). Adding an operation is dropping a
 * file in.
 */
export function loadPersistedOperations(dir: string): Map<string, PersistedOperation> {
  const byHash = new Map<string, PersistedOperation>();
  for (const operation of loadNamedOperations(dir).values()) {
    const hash = sha256(operation.body);
    byHash.set(hash, { ...operation, hash });
  }
  return byHash;
}

export type PersistedOperationsMode = 'apq' | 'require';

export const PERSISTED_QUERY_NOT_IN_LIST = 'PERSISTED_QUERY_NOT_IN_LIST';

/** Where automatic persisted queries are registered (`apq` mode): Redis, and this process. */
export interface ApqRegistry {
  /** Shared by every instance; absent in development without Redis. */
  redis?: Redis;
  /** Redis could not answer: the operation is looked up in, or registered with, this process. */
  onFallback?: (error: unknown) => void;
}

/**
 * Apollo's persisted-query cache, answered from the safelist first. In `apq` mode other hashes are
 * registered by clients (automatic persisted queries) and kept in the gateway's Redis
 * (`apq:<hash>`, with a TTL) — and in this process (bounded) when there is no Redis or it cannot
 * answer; a hash found in neither is an ordinary APQ miss (the client sends the text again). In
 * `require` mode (`registry` null) nothing can be registered.
 */
export class PersistedOperationCache implements KeyValueCache<string> {
  private readonly local: LRUCache<string, string> | undefined;

  constructor(
    private readonly safelist: Map<string, PersistedOperation>,
    private readonly registry: ApqRegistry | null,
    private readonly ttlSeconds: number,
  ) {
    this.local = registry
      ? new LRUCache({ maxSize: 16 * 2 ** 20, sizeCalculation: (text) => text.length || 1, ttl: ttlSeconds * 1000 })
      : undefined;
  }

  async get(key: string): Promise<string | undefined> {
    const hash = key.replace(/^apq:/, '');
    const listed = this.safelist.get(hash)?.body;
    if (listed !== undefined || !this.registry) return listed;
    const shared = await this.shared((redis) => redis.get(`apq:${hash}`));
    return shared ?? this.local?.get(hash);
  }

  async set(key: string, value: string, options?: { ttl?: number | null }): Promise<void> {
    const hash = key.replace(/^apq:/, '');
    if (!this.registry || this.safelist.has(hash) || !/^[0-9a-f]{64}$/.test(hash)) return;
    const ttl = options?.ttl ?? this.ttlSeconds;
    const stored = await this.shared((redis) => redis.set(`apq:${hash}`, value, 'EX', ttl));
    if (stored === undefined) this.local?.set(hash, value, { ttl: ttl * 1000 });
  }

  async delete(key: string): Promise<boolean | void> {
    const hash = key.replace(/^apq:/, '');
    this.local?.delete(hash);
    await this.shared((redis) => redis.del(`apq:${hash}`));
  }

  /** A Redis call; undefined when there is no Redis or it did not answer (reported to onFallback). */
  private async shared<T>(call: (redis: Redis) => Promise<T>): Promise<T | undefined> {
    const redis = this.registry?.redis;
    if (!redis) return undefined;
    try {
      return (await call(redis)) ?? undefined;
    } catch (error) {
      this.registry?.onFallback?.(error);
      return undefined;
    }
  }
}

/**
 * In `require` mode, refuse any operation that is not on the safelist before Apollo parses it:
 * by hash (extensions.persistedQuery.sha256Hash), or by its text — exactly, or once printed by
 * graphql-js (formatting does not matter; the listed text is what runs). Unknown → 400 with
 * PERSISTED_QUERY_NOT_IN_LIST. POST bodies and GET query strings alike. In `apq` mode every
 * operation passes. Runs after express.json.
 */
export function requirePersistedOperations(
  safelist: Map<string, PersistedOperation>,
  mode: PersistedOperationsMode,
  options: { maxTokens: number; onRefused?: () => void },
): RequestHandler {
  /** The listed operation a request names, if any. */
  const listed = (query: unknown, extensions: unknown): PersistedOperation | undefined => {
    const claimed = (extensions as { persistedQuery?: { sha256Hash?: unknown } } | undefined)?.persistedQuery
      ?.sha256Hash;
    if (claimed !== undefined) {
      // by id; a text sent along must be exactly the listed one
      const operation = typeof claimed === 'string' ? safelist.get(claimed) : undefined;
      return operation && (query === undefined || query === null || query === operation.body) ? operation : undefined;
    }
    if (typeof query !== 'string') return undefined;
    const exact = safelist.get(sha256(query));
    if (exact) return exact;
    try {
      return safelist.get(sha256(print(parse(query, { maxTokens: options.maxTokens }))));
    } catch {
      return undefined;
    }
  };
  return (req: Request, res: Response, next: NextFunction) => {
    if (mode !== 'require' || req.method === 'OPTIONS') return next();
    let operation: PersistedOperation | undefined;
    if (req.method === 'GET') {
      const url = new URL(req.url, 'http://gateway');
      let extensions: unknown;
      try {
        extensions = JSON.parse(url.searchParams.get('extensions') ?? 'null') ?? undefined;
      } catch {
        extensions = undefined;
      }
      operation = listed(url.searchParams.get('query') ?? undefined, extensions);
      if (operation && url.searchParams.has('query')) {
        url.searchParams.set('query', operation.body);
        req.url = `${url.pathname}${url.search}`;
      }
    } else {
      const body = req.body as { query?: unknown; extensions?: unknown } | undefined;
      operation =
        body && typeof body === 'object' && !Array.isArray(body) ? listed(body.query, body.extensions) : undefined;
      if (operation && typeof body!.query === 'string') body!.query = operation.body;
    }
    if (operation) return next();
    options.onRefused?.();
    res.status(400).json({
      errors: [
        {
          message: 'This operation is not on the list of persisted operations',
          extensions: { code: PERSISTED_QUERY_NOT_IN_LIST },
        },
      ],
    });
  };
}
