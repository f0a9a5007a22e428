import path from 'node:path';
import { loadPersistedOperations, type PersistedOperation } from '../../gateway/src/plugins/persisted-operations';
import type { GraphQLResponse } from '../../test-support/graphql';
import type { Browser } from './browser';

/** The safelist (schema/operations/), by operation name. */
export const PERSISTED = new Map<string, PersistedOperation>(
  [...loadPersistedOperations(path.join(__dirname, '..', '..', 'schema', 'operations')).values()].map((o) => [
    o.name,
    o,
  ]),
);

/**
 * How a client sends a safelisted operation: by its hash alone (as production clients do), or as
 * ad hoc text that no list holds (the operation renamed `AdHoc<name>`, otherwise the same).
 */
export type SentAs = 'hash' | 'ad hoc';

/** A safelisted operation sent through the gateway by `browser`, `as` a client would send it. */
export async function sendOperation(
  browser: Browser,
  name: string,
  variables: Record<string, unknown>,
  as: SentAs,
): Promise<GraphQLResponse<any>> {
  const operation = PERSISTED.get(name);
  if (!operation) throw new Error(`no operation ${name} in schema/operations`);
  const body =
    as === 'hash'
      ? { variables, extensions: { persistedQuery: { version: 1, sha256Hash: operation.hash } } }
      : { query: operation.body.replace(new RegExp(`\\b${name}\\b`), `AdHoc${name}`), variables };
  const response = await browser.fetch({
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, ...((await response.json()) as object) };
}

/**
 * `attempt` run one after another until `until` settles: how many times it succeeded and failed
 * (e.g. a signed-in user's reads while a burst of writes runs).
 */
export async function repeatWhile(
  until: Promise<unknown>,
  attempt: () => Promise<boolean>,
): Promise<{ answered: number; failed: number }> {
  let done = false;
  void until.finally(() => (done = true));
  const counts = { answered: 0, failed: 0 };
  while (!done) counts[(await attempt()) ? 'answered' : 'failed']++;
  return counts;
}

export interface OperationResult {
  status: number;
  data?: any;
  errors?: { message: string; extensions?: { code?: string } }[];
}

/** Send a safelisted operation by its hash alone, as a production client does (the browser's cookies kept). */
export async function sendPersisted(
  browser: Browser,
  name: string,
  variables: Record<string, unknown> = {},
): Promise<OperationResult> {
  const operation = PERSISTED.get(name);
  if (!operation) throw new Error(`no operation ${name} in schema/operations`);
  const response = await browser.fetch({
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      operationName: name,
      variables,
      extensions: { persistedQuery: { version: 1, sha256Hash: operation.hash } },
    }),
  });
  return { status: response.status, ...((await response.json()) as object) };
}
