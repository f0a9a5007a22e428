import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { HeaderMap, type ApolloServerPlugin, type BaseContext } from '@apollo/server';
import type { KeyValueCache } from '@apollo/utils.keyvaluecache';
import {
  GraphQLError,
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
 * In `require` mode, refuse any operation that is not on the safelist before it is validated or
 * planned: by hash (extensions.persistedQuery.sha256Hash), or by its text — exactly, or once
 * printed by graphql-js (so formatting does not matter). Unknown → 400 with
 * PERSISTED_QUERY_NOT_IN_LIST. In `apq` mode every operation passes.
 */
export function usePersistedOperations(
  safelist: Map<string, PersistedOperation>,
  mode: PersistedOperationsMode,
  options: { maxTokens: number; onRefused?: (hash: string | undefined) => void },
): ApolloServerPlugin<BaseContext> {
  /** The hash of an operation sent as text: of the text itself, else of its printed form. */
  const hashOfText = (query: string): string | undefined => {
    const exact = sha256(query);
    if (safelist.has(exact)) return exact;
    try {
      return sha256(print(parse(query, { maxTokens: options.maxTokens })));
    } catch {
      return undefined;
    }
  };
  return {
    async requestDidStart({ request }) {
      if (mode !== 'require') return;
      const extension = request.extensions?.['persistedQuery'] as { sha256Hash?: unknown } | undefined;
      const claimed = typeof extension?.sha256Hash === 'string' ? extension.sha256Hash : undefined;
      if (claimed !== undefined) {
        // by id; a text sent along must be exactly the listed one (Apollo checks it hashes to the id)
        if (safelist.has(claimed)) return;
      } else if (typeof request.query === 'string') {
        const hash = hashOfText(request.query);
        if (hash && safelist.has(hash)) {
          request.query = safelist.get(hash)!.body;
          return;
        }
      }
      options.onRefused?.(claimed);
      throw new GraphQLError('This operation is not on the list of persisted operations', {
        extensions: { code: PERSISTED_QUERY_NOT_IN_LIST, http: { status: 400, headers: new HeaderMap() } },
      });
    },
  };
}
