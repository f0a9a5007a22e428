import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { KeyValueCache } from '@apollo/utils.keyvaluecache';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import {
  Kind,
  parse,
  print,
  visit,
  type DefinitionNode,
  type FragmentDefinitionNode,
  type OperationDefinitionNode,
} from 'graphql';
import type { Redis } from 'ioredis';

/** One operation of the safelist, as clients send it. */
export interface PersistedOperation {
  name: string;
  type: 'query' | 'mutation' | 'subscription';
  /** sha256 (hex) of `body`: what clients send as extensions.persistedQuery.sha256Hash */
  hash: string;
  /** The operation and the fragments it uses, printed by graphql-js */
  body: string;
  /** The file under the operations folder it comes from */
  file: string;
}

export const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * The safelist: every named operation in the `*.graphql` files of `dir` (several per file allowed,
 * fragments shared within a file). Each operation is printed with only the fragments it uses and
 * hashed; adding an operation is dropping a file in. Names must be unique.
 */
export function loadPersistedOperations(dir: string): Map<string, PersistedOperation> {
  const byHash = new Map<string, PersistedOperation>();
  const names = new Set<string>();
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.graphql'))
    .sort();
  for (const file of files) {
    const document = parse(readFileSync(path.join(dir, file), 'utf8'));
    const fragments = new Map<string, FragmentDefinitionNode>();
    for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
    for (const d of document.definitions) {
      if (d.kind !== Kind.OPERATION_DEFINITION) continue;
      const name = d.name?.value;
      if (!name) throw new Error(`${file}: every persisted operation needs a name`);
      if (names.has(name)) throw new Error(`${file}: operation ${name} is defined twice`);
      names.add(name);
      const body = print({ kind: Kind.DOCUMENT, definitions: [d, ...fragmentsUsedBy(d, fragments, file)] });
      const hash = sha256(body);
      byHash.set(hash, { name, type: d.operation, hash, body, file });
    }
  }
  return byHash;
}

function fragmentsUsedBy(
  operation: OperationDefinitionNode,
  fragments: Map<string, FragmentDefinitionNode>,
  file: string,
): DefinitionNode[] {
  const used = new Map<string, FragmentDefinitionNode>();
  const walk = (node: DefinitionNode) =>
    visit(node, {
      FragmentSpread(spread) {
        const name = spread.name.value;
        if (used.has(name)) return;
        const fragment = fragments.get(name);
        if (!fragment) throw new Error(`${file}: fragment ${name} is not defined in the same file`);
        used.set(name, fragment);
        walk(fragment);
      },
    });
  walk(operation);
  return [...used.values()].sort((a, b) => a.name.value.localeCompare(b.name.value));
}

export type PersistedOperationsMode = 'apq' | 'require';

export const PERSISTED_QUERY_NOT_IN_LIST = 'PERSISTED_QUERY_NOT_IN_LIST';

/**
 * Apollo's persisted-query cache, answered from the safelist first. In `apq` mode other hashes are
 * registered by clients (automatic persisted queries) and kept in the gateway's Redis
 * (`apq:<hash>`, with a TTL); in `require` mode nothing can be registered.
 */
export class PersistedOperationCache implements KeyValueCache<string> {
  constructor(
    private readonly safelist: Map<string, PersistedOperation>,
    private readonly redis: Redis | null,
    private readonly ttlSeconds: number,
  ) {}

  async get(key: string): Promise<string | undefined> {
    const hash = key.replace(/^apq:/, '');
    const listed = this.safelist.get(hash)?.body;
    if (listed !== undefined || !this.redis) return listed;
    return (await this.redis.get(`apq:${hash}`)) ?? undefined;
  }

  async set(key: string, value: string, options?: { ttl?: number | null }): Promise<void> {
    const hash = key.replace(/^apq:/, '');
    if (!this.redis || this.safelist.has(hash) || !/^[0-9a-f]{64}$/.test(hash)) return;
    await this.redis.set(`apq:${hash}`, value, 'EX', options?.ttl ?? this.ttlSeconds);
  }

  async delete(key: string): Promise<boolean | void> {
    if (this.redis) await this.redis.del(`apq:${key.replace(/^apq:/, '')}`);
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
