import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AppError } from '@polystore/platform';
import { backupCommand, UsageError } from './cli';
import { recordFile } from './manifest';

const io = { out: () => {}, env: {} };

it.each([
  [['snapshot'], 'unknown command snapshot'],
  [[], 'backup or restore?'],
  [['restore'], 'restore needs the backup'],
  [['restore', 'latest', '--keep', '3'], '--keep is for backup'],
  [['backup', 'somewhere'], 'backup takes no folder'],
  [['backup', '--yes'], '--yes is for restore'],
  [['backup', '--force'], "Unknown option '--force'"],
])('refuses %j as usage: %s', async (argv, message) => {
  const error = await backupCommand(argv, io).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(UsageError);
  expect((error as Error).message).toContain(message);
});

it('refuses to keep fewer than one backup before touching any store', async () => {
  await expect(
    backupCommand(['backup', '--keep', '0', '--only', 'cart'], { ...io, env: { REDIS_URL: 'redis://127.0.0.1:1' } }),
  ).rejects.toThrow('backups to keep must be a whole number of at least 1, not 0');
});

describe('restore', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'cli-test-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** A backup of the carts alone (as `--only cart` makes), its one file changed since. */
  async function cartsOnlyBackup(): Promise<string> {
    const folder = path.join(dir, '20261204T000000Z');
    mkdirSync(path.join(folder, 'redis'), { recursive: true });
    writeFileSync(path.join(folder, 'redis', 'cart.jsonl'), '{"k":"u:1"}\n');
    const manifest = {
      format: 1,
      createdAt: '2026-12-04T00:00:00.000Z',
      seconds: 1,
      parts: [
        {
          id: 'redis/cart',
          service: 'cart',
          store: 'redis',
          source: 'cart:',
          objects: [],
          files: [await recordFile(folder, 'redis/cart.jsonl')],
          details: {},
        },
      ],
    };
    writeFileSync(path.join(folder, 'manifest.json'), JSON.stringify(manifest));
    writeFileSync(path.join(folder, 'redis', 'cart.jsonl'), '{"k":"u:2"}\n');
    return folder;
  }

  it('restores the services the backup holds, needing only their settings, and checks the files first', async () => {
    await cartsOnlyBackup();
    // no PostgreSQL, Mongo or Elasticsearch settings: the backup has none of those parts
    const error = await backupCommand(['restore', 'latest', '--dir', dir], {
      ...io,
      env: { REDIS_URL: 'redis://127.0.0.1:1' },
    }).catch((e: unknown) => e as AppError);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).extensions).toMatchObject({ code: 'BAD_USER_INPUT', file: 'redis/cart.jsonl' });
  });

  it('refuses a service the backup does not hold when --only names it', async () => {
    await cartsOnlyBackup();
    const env = { ELASTICSEARCH_URL: 'http://127.0.0.1:1' };
    await expect(
      backupCommand(['restore', 'latest', '--dir', dir, '--only', 'search'], { ...io, env }),
    ).rejects.toThrow(/has no elasticsearch\/search; it holds redis\/cart/);
  });
});
