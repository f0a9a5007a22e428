import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..');

/**
 * Connection variables of the stack the tests run against: the environment first (compose, CI
 * with external stores), then .data/stack.env written by `scripts/stack up`.
 */
export function stackEnv(): Record<string, string> {
  const file = path.join(ROOT, '.data', 'stack.env');
  const fromFile: Record<string, string> = {};
  if (existsSync(file)) {
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      const match = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
      if (match) fromFile[match[1]!] = match[2]!.replace(/^'(.*)'$/, '$1');
    }
  }
  // The environment wins: external stores (compose, CI) or another checkout's stack.
  const merged: Record<string, string> = { ...fromFile };
  for (const [key, value] of Object.entries(process.env)) {
    if (value && /_(URL|PASSWORD|SECRET)$/.test(key)) merged[key] = value;
  }
  return merged;
}

export function requireVar(env: Record<string, string>, name: string): string {
  const value = env[name];
  if (!value) {
    throw new Error(
      `${name} is not set and .data/stack.env has no value for it: start the stores with \`scripts/stack up\``,
    );
  }
  return value;
}

/** A suffix for per-test-file databases: creation time (base 36, 8 digits) then 5 random characters. */
export function uniqueSuffix(): string {
  return `${Date.now().toString(36).padStart(8, '0')}${Math.random().toString(36).slice(2, 7).padEnd(5, '0')}`;
}

/**
 * Whether a database named `<prefix>_t_<suffix>` was left behind by a run that ended long ago.
 * Only those are cleaned up, so test runs in parallel (several worktrees, one stack) leave each
 * other's databases alone.
 */
export function isStaleTestDatabase(name: string, maxAgeMs = 2 * 3600_000): boolean {
  const match = /_t_([0-9a-z]{8})[0-9a-z]{5}$/.exec(name);
  if (!match) return false;
  return Date.now() - parseInt(match[1]!, 36) > maxAgeMs;
}
