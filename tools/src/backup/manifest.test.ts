import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AppError } from '@polystore/platform';
import { compareObjects, readManifest, recordFile, verifyFiles, type PartRecord } from './manifest';

let folder: string;
beforeEach(() => {
  folder = mkdtempSync(path.join(tmpdir(), 'manifest-test-'));
});
afterEach(() => rmSync(folder, { recursive: true, force: true }));

async function partWith(...files: [string, string][]): Promise<PartRecord> {
  for (const [name, text] of files) {
    mkdirSync(path.dirname(path.join(folder, name)), { recursive: true });
    writeFileSync(path.join(folder, name), text);
  }
  return {
    id: 'redis/cart',
    service: 'cart',
    store: 'redis',
    source: 'cart:',
    objects: [],
    files: await Promise.all(files.map(([name]) => recordFile(folder, name))),
    details: {},
  };
}

const refusal = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: unknown) => error as AppError,
  );

describe('verifyFiles', () => {
  it('passes every file that has its recorded size and SHA-256', async () => {
    const part = await partWith(['redis/cart.jsonl', '{"k":"a"}\n'], ['redis/other.jsonl', 'x\n']);
    await expect(verifyFiles(folder, [part])).resolves.toBe(2);
  });

  it('refuses a file changed since the backup, naming it', async () => {
    const part = await partWith(['redis/cart.jsonl', '{"k":"a"}\n']);
    writeFileSync(path.join(folder, 'redis/cart.jsonl'), '{"k":"b"}\n'); // same size, other bytes
    const error = await refusal(verifyFiles(folder, [part]));
    expect(error).toBeInstanceOf(AppError);
    expect(error?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', file: 'redis/cart.jsonl' });
    expect(error?.message).toMatch(/backup file redis\/cart.jsonl \(redis\/cart\) does not match its checksum/);
  });

  it('refuses a missing file and a path outside the backup', async () => {
    const part = await partWith(['redis/cart.jsonl', 'x\n']);
    rmSync(path.join(folder, 'redis/cart.jsonl'));
    expect((await refusal(verifyFiles(folder, [part])))?.message).toMatch(
      /redis\/cart.jsonl \(redis\/cart\) is missing/,
    );
    const escaping = { ...part, files: [{ ...part.files[0]!, path: '../elsewhere' }] };
    expect((await refusal(verifyFiles(folder, [escaping])))?.extensions).toMatchObject({ file: '../elsewhere' });
  });
});

describe('compareObjects', () => {
  const table = (name: string, count: number, checksum = 'c') => ({ kind: 'table', name, count, checksum });

  it('finds nothing when the objects are the same, in any order', () => {
    expect(compareObjects([table('a', 1), table('b', 2)], [table('b', 2), table('a', 1)])).toEqual([]);
  });

  it('names each missing, extra, miscounted and changed object', () => {
    expect(
      compareObjects(
        [table('gone', 1), table('rows', 2), table('same-count', 3, 'x')],
        [table('rows', 5), table('same-count', 3, 'y'), table('new', 0)],
      ),
    ).toEqual([
      { kind: 'table', name: 'gone', problem: 'missing' },
      { kind: 'table', name: 'rows', problem: 'count 5, recorded 2' },
      { kind: 'table', name: 'same-count', problem: 'checksum differs' },
      { kind: 'table', name: 'new', problem: 'not in the backup' },
    ]);
  });
});

describe('readManifest', () => {
  it('says a folder without a manifest is not a backup', () => {
    expect(() => readManifest(folder)).toThrow(/is not a backup: it has no manifest.json/);
  });

  it('refuses a manifest that is not one, saying what is wrong', () => {
    writeFileSync(path.join(folder, 'manifest.json'), JSON.stringify({ format: 1, parts: [] }));
    expect(() => readManifest(folder)).toThrow(/is not a backup manifest: createdAt/);
    writeFileSync(path.join(folder, 'manifest.json'), '{');
    expect(() => readManifest(folder)).toThrow(/is not JSON/);
  });
});
