import { existsSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { AppError, ErrorCode } from '@polystore/platform';
import { MANIFEST_FILE } from './manifest';

/** `20261204T204830Z`, or `20261204T204830Z-2` for a second backup within the same second. */
const BACKUP_NAME = /^\d{8}T\d{6}Z(-\d+)?$/;

export function stamp(at: Date): string {
  return at
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

/** A name for a new backup in `dir` that no folder (complete or in progress) has yet. */
export function newBackupName(dir: string, at: Date): string {
  const base = stamp(at);
  for (let n = 1; ; n++) {
    const name = n === 1 ? base : `${base}-${n}`;
    if (!existsSync(path.join(dir, name)) && !existsSync(path.join(dir, `${name}.partial`))) return name;
  }
}

/** The complete backups in `dir` (named by time, with a manifest), newest first. */
export function listBackups(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const order = (name: string) => {
    const [time, n] = name.split('-');
    return [time!, Number(n ?? 1)] as const;
  };
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && BACKUP_NAME.test(e.name) && existsSync(path.join(dir, e.name, MANIFEST_FILE)))
    .map((e) => e.name)
    .sort((a, b) => {
      const [ta, na] = order(a);
      const [tb, nb] = order(b);
      return ta === tb ? nb - na : tb.localeCompare(ta);
    });
}

/**
 * Keep the newest `keep` backups and delete the older ones; returns what it deleted. Only complete
 * backups count and only they are deleted: a folder still being written (`.partial`) and anything
 * not named like a backup are left alone.
 */
export function pruneBackups(dir: string, keep: number): string[] {
  const old = listBackups(dir).slice(keep);
  for (const name of old) rmSync(path.join(dir, name), { recursive: true, force: true });
  return old;
}

/** A restore's folder: a path, a backup's name in `dir`, or `latest`. */
export function resolveBackup(dir: string, given: string): string {
  if (given === 'latest') {
    const newest = listBackups(dir)[0];
    if (!newest) throw new AppError(ErrorCode.NOT_FOUND, `there is no backup in ${dir}`);
    return path.join(dir, newest);
  }
  if (existsSync(given)) return path.resolve(given);
  if (BACKUP_NAME.test(given) && existsSync(path.join(dir, given))) return path.join(dir, given);
  throw new AppError(ErrorCode.NOT_FOUND, `no backup ${given} (neither a folder nor a backup in ${dir})`);
}
