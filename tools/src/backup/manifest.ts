import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { AppError, ErrorCode } from '@polystore/platform';
import { sha256File } from './digest';

export const MANIFEST_FILE = 'manifest.json';
export const MANIFEST_FORMAT = 1;

export const STORES = ['postgres', 'mongo', 'redis', 'elasticsearch'] as const;
export type StoreKind = (typeof STORES)[number];

const objectRecord = z.object({
  /** table, index, constraint, trigger, sequence, collection, key space, stream, search index, mapping, alias, index template */
  kind: z.string().min(1),
  name: z.string().min(1),
  /** Rows, documents, keys or stream entries, where the object holds any. */
  count: z.number().int().nonnegative().optional(),
  /** Of the object's content or definition, computed by the store's part (see each part). */
  checksum: z.string().min(1),
});
export type ObjectRecord = z.infer<typeof objectRecord>;

const fileRecord = z.object({
  /** Relative to the backup folder, with `/`. */
  path: z.string().min(1),
  bytes: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});
export type FileRecord = z.infer<typeof fileRecord>;

const partRecord = z.object({
  /** `<store>/<name>`: `postgres/accounts`, `redis/cart`, `elasticsearch/search`. */
  id: z.string().min(1),
  service: z.string().min(1),
  store: z.enum(STORES),
  /** Where it was read from: the database, Mongo database, key prefix or search alias. */
  source: z.string().min(1),
  objects: z.array(objectRecord),
  files: z.array(fileRecord),
  /** What the part needs to restore that is not an object (e.g. the snapshot's name). */
  details: z.record(z.string(), z.unknown()).default({}),
});
export type PartRecord = z.infer<typeof partRecord>;

const manifestSchema = z.object({
  format: z.literal(MANIFEST_FORMAT),
  createdAt: z.string(),
  /** Seconds the backup took. */
  seconds: z.number().nonnegative(),
  parts: z.array(partRecord),
});
export type Manifest = z.infer<typeof manifestSchema>;

export function writeManifest(folder: string, manifest: Manifest): void {
  writeFileSync(path.join(folder, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o600 });
}

export function readManifest(folder: string): Manifest {
  const file = path.join(folder, MANIFEST_FILE);
  if (!existsSync(file)) {
    throw new AppError(ErrorCode.NOT_FOUND, `${folder} is not a backup: it has no ${MANIFEST_FILE}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new AppError(ErrorCode.BAD_USER_INPUT, `${file} is not JSON: ${(error as Error).message}`, {
      file: MANIFEST_FILE,
    });
  }
  const parsed = manifestSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new AppError(ErrorCode.BAD_USER_INPUT, `${file} is not a backup manifest: ${problems}`, {
      file: MANIFEST_FILE,
    });
  }
  return parsed.data;
}

/** A file of the backup, with its size and SHA-256, for the manifest. */
export async function recordFile(folder: string, relative: string): Promise<FileRecord> {
  const { sha256, bytes } = await sha256File(path.join(folder, relative));
  return { path: relative.split(path.sep).join('/'), bytes, sha256 };
}

/**
 * Every file of these parts is there, with the size and SHA-256 the manifest records; otherwise
 * BAD_USER_INPUT naming the first file that differs. Run before anything is touched.
 */
export async function verifyFiles(folder: string, parts: readonly PartRecord[]): Promise<number> {
  let checked = 0;
  for (const part of parts) {
    for (const file of part.files) {
      if (path.isAbsolute(file.path) || file.path.split('/').includes('..')) {
        throw new AppError(ErrorCode.BAD_USER_INPUT, `the manifest names a file outside the backup: ${file.path}`, {
          file: file.path,
        });
      }
      const absolute = path.join(folder, file.path);
      if (!existsSync(absolute)) {
        throw new AppError(ErrorCode.BAD_USER_INPUT, `backup file ${file.path} (${part.id}) is missing`, {
          file: file.path,
        });
      }
      const actual = await sha256File(absolute);
      if (actual.sha256 !== file.sha256 || actual.bytes !== file.bytes) {
        throw new AppError(
          ErrorCode.BAD_USER_INPUT,
          `backup file ${file.path} (${part.id}) does not match its checksum in ${MANIFEST_FILE}: ` +
            `sha256 ${actual.sha256.slice(0, 12)}…, ${actual.bytes} bytes; recorded ${file.sha256.slice(0, 12)}…, ` +
            `${file.bytes} bytes. Nothing was restored.`,
          { file: file.path },
        );
      }
      checked++;
    }
  }
  return checked;
}

export interface ObjectDifference {
  kind: string;
  name: string;
  problem: string;
}

/** How the objects found after a restore differ from those the manifest recorded (empty: none). */
export function compareObjects(expected: readonly ObjectRecord[], actual: readonly ObjectRecord[]): ObjectDifference[] {
  const key = (o: ObjectRecord) => `${o.kind}\u0000${o.name}`;
  const found = new Map(actual.map((o) => [key(o), o]));
  const differences: ObjectDifference[] = [];
  for (const want of expected) {
    const got = found.get(key(want));
    found.delete(key(want));
    if (!got) differences.push({ kind: want.kind, name: want.name, problem: 'missing' });
    else if (got.count !== want.count) {
      differences.push({ kind: want.kind, name: want.name, problem: `count ${got.count}, recorded ${want.count}` });
    } else if (got.checksum !== want.checksum) {
      differences.push({ kind: want.kind, name: want.name, problem: 'checksum differs' });
    }
  }
  for (const extra of found.values()) {
    differences.push({ kind: extra.kind, name: extra.name, problem: 'not in the backup' });
  }
  return differences;
}
