import { randomBytes, scrypt as scryptCallback, scryptSync, timingSafeEqual, type ScryptOptions } from 'node:crypto';

// This module is also the code of the password-hashing worker threads (password-hasher.ts runs
// `hashTask` and `verifyTask` there): it may import nothing but Node's own modules.

const scrypt = (password: string, salt: Buffer, keylen: number, options: ScryptOptions) =>
  new Promise<Buffer>((resolve, reject) =>
    scryptCallback(password, salt, keylen, options, (error, key) => (error ? reject(error) : resolve(key))),
  );

const KEY_LENGTH = 64;
const R = 8;
const P = 1;

/** scrypt's options for a cost; maxmem is what it needs (128 × N × r bytes) with room to spare. */
const costOf = (N: number, r: number, p: number): ScryptOptions => ({ N, r, p, maxmem: 256 * N * r });

/** A fresh salt and how to store the derived key with it: `scrypt$logN$r$p$salt$hash`. */
function newHash(logN: number) {
  const salt = randomBytes(16);
  return {
    salt,
    options: costOf(2 ** logN, R, P),
    encode: (key: Buffer) => ['scrypt', logN, R, P, salt.toString('base64'), key.toString('base64')].join('$'),
  };
}

/** The parameters of a stored hash, or null when it is not one of ours. */
function parseStored(stored: string) {
  const [scheme, logN, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !logN || !r || !p || !salt || !hash) return null;
  return {
    salt: Buffer.from(salt, 'base64'),
    expected: Buffer.from(hash, 'base64'),
    options: costOf(2 ** Number(logN), Number(r), Number(p)),
  };
}

const matches = (key: Buffer, expected: Buffer) => key.length === expected.length && timingSafeEqual(key, expected);

/**
 * scrypt with a random 16-byte salt. The parameters travel inside the stored string
 * (`scrypt$logN$r$p$salt$hash`), so the cost can be raised later without breaking old hashes.
 * On libuv's thread pool: for scripts (the seed); the service hashes through PasswordHasher.
 */
export async function hashPassword(password: string, logN: number): Promise<string> {
  const hash = newHash(logN);
  return hash.encode(await scrypt(password, hash.salt, KEY_LENGTH, hash.options));
}

/** Constant-time comparison; false for any malformed stored value. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parseStored(stored);
  if (!parsed) return false;
  return matches(await scrypt(password, parsed.salt, parsed.expected.length, parsed.options), parsed.expected);
}

export interface HashTask {
  password: string;
  logN: number;
}
export interface VerifyTask {
  password: string;
  stored: string;
}
/** A worker's answer: the result, and how long the thread worked on it (its queue wait excluded). */
export interface Timed<T> {
  value: T;
  ms: number;
}

function timed<T>(work: () => T): Timed<T> {
  const started = performance.now();
  const value = work();
  return { value, ms: performance.now() - started };
}

/** hashPassword, synchronously: in a worker thread, which does nothing else while it hashes. */
export function hashTask({ password, logN }: HashTask): Timed<string> {
  return timed(() => {
    const hash = newHash(logN);
    return hash.encode(scryptSync(password, hash.salt, KEY_LENGTH, hash.options));
  });
}

/** verifyPassword, synchronously: in a worker thread. */
export function verifyTask({ password, stored }: VerifyTask): Timed<boolean> {
  return timed(() => {
    const parsed = parseStored(stored);
    if (!parsed) return false;
    return matches(scryptSync(password, parsed.salt, parsed.expected.length, parsed.options), parsed.expected);
  });
}
