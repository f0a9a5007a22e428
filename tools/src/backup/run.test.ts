import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AppError } from '@polystore/platform';
import { recordFile, type ObjectRecord } from './manifest';
import type { StorePart } from './part';
import { backup, restore, summary } from './run';

// The order of a backup and a restore, on parts that keep their "store" in memory: the stores'
// own behaviour is e2e/backup-restore.e2e.test.ts's.

const quiet = () => ({ tick() {}, finish() {} });

/** A part whose store is a list of lines, written to and read from its one file. */
function memoryPart(id: string, held: string[], calls: string[] = []): StorePart & { held: string[] } {
  const objects = (): ObjectRecord[] => [{ kind: 'key space', name: id, count: held.length, checksum: held.join(',') }];
  const file = `${id.replace('/', '-')}.txt`;
  const part = {
    id,
    service: id.split('/')[1]!,
    store: 'redis' as const,
    where: `the ${id} store`,
    held,
    async backup(folder: string) {
      calls.push(`backup ${id}`);
      writeFileSync(path.join(folder, file), part.held.join('\n'));
      return { source: id, objects: objects(), files: [await recordFile(folder, file)], details: {} };
    },
    async contents() {
      return part.held.length ? `${part.held.length} lines` : null;
    },
    async clean() {
      calls.push(`clean ${id}`);
      part.held = [];
    },
    async restore(folder: string) {
      calls.push(`restore ${id}`);
      part.held = readFileSync(path.join(folder, file), 'utf8').split('\n').filter(Boolean);
      return { expected: () => objects(), notes: [] };
    },
    async inventory() {
      return { objects: objects(), asOf: Date.now() };
    },
    async close() {},
  };
  return part;
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'run-test-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

it('restores into empty targets without asking', async () => {
  const { folder } = await backup({ dir, keep: 7, parts: [memoryPart('redis/cart', ['a', 'b'])], progress: quiet });
  const target = memoryPart('redis/cart', []);
  const result = await restore({ folder, parts: [target], progress: quiet });
  expect(target.held).toEqual(['a', 'b']);
  expect(result).toEqual({ overwritten: [], differences: { 'redis/cart': [] }, notes: [] });
});

it('asks before overwriting a target that holds data; a no changes nothing, a yes empties it first', async () => {
  const { folder } = await backup({ dir, keep: 7, parts: [memoryPart('redis/cart', ['a'])], progress: quiet });
  const calls: string[] = [];
  const target = memoryPart('redis/cart', ['written since'], calls);
  const questions: string[] = [];
  const refused = await restore({
    folder,
    parts: [target],
    progress: quiet,
    confirm: async (q) => (questions.push(q), false),
  }).catch((e: unknown) => e as AppError);
  expect(questions).toEqual([
    'Restoring deletes what these hold now: the redis/cart store holds 1 lines. Overwrite them?',
  ]);
  expect(refused).toBeInstanceOf(AppError);
  expect((refused as AppError).extensions).toMatchObject({ code: 'CONFLICT', targets: ['redis/cart'] });
  expect(target.held).toEqual(['written since']);
  expect(calls).toEqual([]);

  const result = await restore({ folder, parts: [target], progress: quiet, confirm: async () => true });
  expect(calls).toEqual(['clean redis/cart', 'restore redis/cart']);
  expect(result.overwritten).toEqual(['redis/cart']);
  expect(target.held).toEqual(['a']);
});

it('refuses, without a terminal to ask on, unless told --yes', async () => {
  const { folder } = await backup({ dir, keep: 7, parts: [memoryPart('redis/cart', ['a'])], progress: quiet });
  const target = memoryPart('redis/cart', ['b']);
  await expect(restore({ folder, parts: [target], progress: quiet })).rejects.toThrow(/pass --yes to overwrite them/);
  await restore({ folder, parts: [target], progress: quiet, yes: true });
  expect(target.held).toEqual(['a']);
});

it('reports what differs from the manifest after a restore', async () => {
  const { folder } = await backup({ dir, keep: 7, parts: [memoryPart('redis/cart', ['a'])], progress: quiet });
  const lossy = memoryPart('redis/cart', []);
  lossy.inventory = async () => ({ objects: [], asOf: Date.now() });
  const result = await restore({ folder, parts: [lossy], progress: quiet });
  expect(result.differences['redis/cart']).toEqual([{ kind: 'key space', name: 'redis/cart', problem: 'missing' }]);
});

it('leaves no folder behind when a part fails, naming the part', async () => {
  const failing = memoryPart('redis/events', []);
  failing.backup = async () => {
    throw new Error('connection refused');
  };
  await expect(
    backup({ dir, keep: 7, parts: [memoryPart('redis/cart', ['a']), failing], progress: quiet }),
  ).rejects.toThrow('backing up redis/events (the redis/events store): connection refused');
  expect(readdirSync(dir)).toEqual([]);
});

it('keeps the newest backups, as many as it is told', async () => {
  const at = (s: number) => () => new Date(Date.UTC(2026, 11, 4, 0, 0, s));
  const made: string[] = [];
  for (let s = 0; s < 4; s++) {
    const result = await backup({
      dir,
      keep: 2,
      parts: [memoryPart('redis/cart', ['a'])],
      progress: quiet,
      now: at(s),
    });
    made.push(path.basename(result.folder));
  }
  expect(readdirSync(dir).sort()).toEqual(made.slice(2));
  expect(existsSync(path.join(dir, made[3]!, 'manifest.json'))).toBe(true);
});

it("sums up a part's objects and files in a few words", () => {
  expect(
    summary({
      objects: [
        { kind: 'table', name: 'users', count: 1200, checksum: 'a' },
        { kind: 'table', name: 'roles', count: 1, checksum: 'b' },
        { kind: 'index', name: 'users/users_pkey', checksum: 'c' },
        { kind: 'stream', name: '{catalog}:product', count: 5, checksum: 'd' },
      ],
      files: [
        { path: 'a', bytes: 1_500_000, sha256: '0'.repeat(64) },
        { path: 'b', bytes: 500_000, sha256: '0'.repeat(64) },
      ],
    }),
  ).toBe('2 tables (1,201 rows), 1 index, 1 stream (5 entries); 2 files, 2.0 MB');
});
