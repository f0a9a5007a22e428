import { chmodSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { AppError, ErrorCode } from '@polystore/platform';
import { newBackupName, pruneBackups } from './folders';
import {
  compareObjects,
  MANIFEST_FORMAT,
  readManifest,
  verifyFiles,
  writeManifest,
  type Manifest,
  type ObjectDifference,
  type PartRecord,
} from './manifest';
import { stderrProgress, type ProgressFactory, type StorePart } from './part';

export interface BackupOptions {
  /** Where dated backup folders go (`.data/backups`). */
  dir: string;
  /** How many of the newest backups to keep. */
  keep: number;
  parts: StorePart[];
  progress?: ProgressFactory;
  log?: (line: string) => void;
  now?: () => Date;
}

export interface BackupResult {
  folder: string;
  manifest: Manifest;
  /** Older backups deleted by retention. */
  pruned: string[];
}

/** A part's objects in a few words: `5 tables, 1,234 rows`. */
export function summary(record: Pick<PartRecord, 'objects' | 'files'>): string {
  const by = new Map<string, { n: number; count: number }>();
  for (const o of record.objects) {
    const entry = by.get(o.kind) ?? { n: 0, count: 0 };
    entry.n++;
    entry.count += o.count ?? 0;
    by.set(o.kind, entry);
  }
  const held: Record<string, string> = {
    table: 'rows',
    collection: 'documents',
    'key space': 'keys',
    stream: 'entries',
    'search index': 'documents',
  };
  const named = (kind: string, n: number) => `${n} ${kind}${n === 1 ? '' : kind.endsWith('x') ? 'es' : 's'}`;
  const parts = [...by].map(([kind, { n, count }]) =>
    held[kind] ? `${named(kind, n)} (${count.toLocaleString('en')} ${held[kind]})` : named(kind, n),
  );
  const bytes = record.files.reduce((sum, f) => sum + f.bytes, 0);
  return `${parts.join(', ') || 'nothing'}; ${record.files.length} files, ${(bytes / 1e6).toFixed(1)} MB`;
}

/** Run one part's step; its failure names the part and what it holds (an AppError stays as it is). */
async function inPart<T>(part: StorePart, doing: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw new Error(`${doing} ${part.id} (${part.where}): ${(error as Error).message}`, { cause: error });
  }
}

/**
 * Back up every part into one new dated folder with its manifest, then keep the newest `keep`.
 * The folder is written as `<name>.partial` and renamed when complete, so a backup that failed
 * half-way is never taken for one (and is removed).
 */
export async function backup(options: BackupOptions): Promise<BackupResult> {
  const { dir, parts, progress = stderrProgress, log = () => {}, now = () => new Date() } = options;
  if (!Number.isInteger(options.keep) || options.keep < 1) {
    throw new AppError(
      ErrorCode.BAD_USER_INPUT,
      `backups to keep must be a whole number of at least 1, not ${options.keep}`,
    );
  }
  mkdirSync(dir, { recursive: true });
  chmodSync(dir, 0o700);
  const started = now();
  const name = newBackupName(dir, started);
  const partial = path.join(dir, `${name}.partial`);
  const folder = path.join(dir, name);
  mkdirSync(partial, { mode: 0o700 });
  const records: PartRecord[] = [];
  try {
    for (const part of parts) {
      const record: PartRecord = {
        id: part.id,
        service: part.service,
        store: part.store,
        ...(await inPart(part, 'backing up', () => part.backup(partial, progress))),
      };
      records.push(record);
      log(`${part.id}: ${part.where}: ${summary(record)}`);
    }
    const manifest: Manifest = {
      format: MANIFEST_FORMAT,
      createdAt: started.toISOString(),
      seconds: (now().getTime() - started.getTime()) / 1000,
      parts: records,
    };
    writeManifest(partial, manifest);
    renameSync(partial, folder);
    return { folder, manifest, pruned: pruneBackups(dir, options.keep) };
  } catch (error) {
    rmSync(partial, { recursive: true, force: true });
    throw error;
  } finally {
    await Promise.all(parts.map((p) => p.close().catch(() => {})));
  }
}

export interface RestoreOptions {
  folder: string;
  /** Where to restore to, one per part of the backup to restore (a restore may target one service). */
  parts: StorePart[];
  /** Overwrite targets that hold data without asking. */
  yes?: boolean;
  /** Asked before overwriting when `yes` is not given; absent (no terminal): refuse. */
  confirm?: (question: string) => Promise<boolean>;
  progress?: ProgressFactory;
  log?: (line: string) => void;
}

export interface RestoreResult {
  /** The targets that held data and were emptied first. */
  overwritten: string[];
  /** Per part, how what it holds now differs from what the manifest recorded (empty: restored exactly). */
  differences: Record<string, ObjectDifference[]>;
  notes: string[];
}

/**
 * Restore the backup in `folder` into the given parts' targets. In this order, stopping at the
 * first refusal with nothing changed: the manifest is read; every file of those parts is checked
 * against its recorded size and SHA-256 (BAD_USER_INPUT naming the file); targets that hold data
 * are listed and overwritten only with `yes` or a confirmation (CONFLICT otherwise). Then each
 * target is emptied if it held data, restored, and read back: its objects are compared with the
 * manifest's counts and checksums.
 */
export async function restore(options: RestoreOptions): Promise<RestoreResult> {
  const { folder, parts, progress = stderrProgress, log = () => {} } = options;
  try {
    const manifest = readManifest(folder);
    const pairs = parts.map((part) => {
      const record = manifest.parts.find((r) => r.id === part.id);
      if (!record) {
        throw new AppError(
          ErrorCode.NOT_FOUND,
          `the backup in ${folder} has no ${part.id}; it holds ${manifest.parts.map((r) => r.id).join(', ')} (restore fewer with --only / --skip)`,
        );
      }
      return { part, record };
    });
    const checked = await verifyFiles(
      folder,
      pairs.map((p) => p.record),
    );
    log(`${checked} files match their checksums`);

    const occupied: { part: StorePart; holds: string }[] = [];
    for (const { part } of pairs) {
      const holds = await part.contents();
      if (holds) occupied.push({ part, holds });
    }
    if (occupied.length) {
      const list = occupied.map((o) => `${o.part.where} holds ${o.holds}`).join('; ');
      const agreed =
        options.yes ||
        (options.confirm !== undefined &&
          (await options.confirm(`Restoring deletes what these hold now: ${list}. Overwrite them?`)));
      if (!agreed) {
        throw new AppError(
          ErrorCode.CONFLICT,
          `not restored: ${list}. Nothing was changed; pass --yes to overwrite them`,
          {
            targets: occupied.map((o) => o.part.id),
          },
        );
      }
    }

    const result: RestoreResult = { overwritten: occupied.map((o) => o.part.id), differences: {}, notes: [] };
    for (const { part, record } of pairs) {
      const outcome = await inPart(part, 'restoring', async () => {
        if (occupied.some((o) => o.part === part)) await part.clean();
        return part.restore(folder, record, progress);
      });
      const now = await part.inventory();
      const differences = compareObjects(outcome.expected(now.asOf), now.objects);
      result.differences[part.id] = differences;
      result.notes.push(...outcome.notes.map((n) => `${part.id}: ${n}`));
      log(
        `${part.id}: ${part.where}: ${summary({ objects: now.objects, files: record.files })}` +
          (differences.length ? `; ${differences.length} objects differ from the backup` : '; matches the backup'),
      );
    }
    return result;
  } finally {
    await Promise.all(parts.map((p) => p.close().catch(() => {})));
  }
}
