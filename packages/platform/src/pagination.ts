import { z } from 'zod';
import { badUserInput } from './errors';
import { unstorableStrings } from './string-rule';

/** Relay connection arguments as every list in the API takes them. */
export const connectionArgs = (maxFirst = 100) =>
  z.object({
    first: z.number().int().min(1).max(maxFirst).default(20),
    after: z.string().max(512).nullish(),
  });

/**
 * Opaque cursors: base64url of a JSON array of sort-key values. Clients must treat them as
 * opaque; the server checks their shape and rejects anything it did not produce.
 */
export function encodeCursor(values: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(values), 'utf8').toString('base64url');
}

export function decodeCursor<T extends readonly unknown[]>(cursor: string, shape: z.ZodType<T>): T {
  const forged = () => badUserInput('Invalid cursor', [{ field: 'after', message: 'not a cursor this API issued' }]);
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw forged();
  }
  // The sort keys inside go to the store: the string rule holds for them as for any argument.
  const result = shape.safeParse(parsed);
  if (!result.success || unstorableStrings(result.data, 'after').length) throw forged();
  return result.data;
}

export interface Connection<T> {
  edges: { cursor: string; node: T }[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  totalCount?: number;
}

/**
 * Build a connection from `first + 1` rows fetched after the cursor: the extra row only says
 * whether a next page exists.
 */
export function toConnection<T>(
  rows: T[],
  first: number,
  cursorOf: (row: T) => string,
  hasPrevious: boolean,
): Connection<T> {
  const page = rows.slice(0, first);
  const edges = page.map((node) => ({ cursor: cursorOf(node), node }));
  return {
    edges,
    pageInfo: {
      hasNextPage: rows.length > first,
      hasPreviousPage: hasPrevious,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
  };
}
