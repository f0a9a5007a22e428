import path from 'node:path';
import { loadPersistedOperations, type PersistedOperation } from '../../gateway/src/plugins/persisted-operations';
import type { Browser } from './browser';

/** The safelist: every operation of schema/operations/, by name. */
export const safelisted: ReadonlyMap<string, PersistedOperation> = new Map(
  [...loadPersistedOperations(path.join(__dirname, '..', '..', 'schema', 'operations')).values()].map((o) => [
    o.name,
    o,
  ]),
);

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
  const operation = safelisted.get(name);
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
