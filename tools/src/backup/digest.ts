import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

export function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** SHA-256 of a file, read as a stream (dumps can be large). */
export async function sha256File(file: string): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(file)) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { sha256: hash.digest('hex'), bytes };
}

const MOD = 1n << 256n;

/**
 * A checksum of a multiset of items that does not depend on the order they are read in: the sum
 * of their SHA-256s modulo 2^256. A store read page by page (a collection without a sort, a key
 * space by SCAN, an index by scroll) gives the same checksum however its pages come back, and the
 * same items restored elsewhere give it again.
 */
export class UnorderedDigest {
  private sum = 0n;
  count = 0;

  add(item: string | Buffer): void {
    this.sum = (this.sum + BigInt(`0x${sha256(item)}`)) % MOD;
    this.count++;
  }

  /** Add every item of another digest. */
  merge(other: UnorderedDigest): void {
    this.sum = (this.sum + other.sum) % MOD;
    this.count += other.count;
  }

  get hex(): string {
    return this.sum.toString(16).padStart(64, '0');
  }
}

/** JSON with every object's keys sorted: the same value always gives the same text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}
