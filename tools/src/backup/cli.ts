/**
 * npm run backup / npm run restore: every store of every service, into and out of one dated folder.
 *
 *   backup [--only a,b] [--skip a,b] [--dir DIR] [--keep N]
 *       into DIR/<UTC time>/ (BACKUP_DIR, default .data/backups) with manifest.json: per part its
 *       objects' counts and checksums and every file's SHA-256; then keeps the newest N
 *       (POLYSTORE_BACKUPS_KEPT, default 7, as m2m/README.md declares)
 *   restore <folder | name in DIR | latest> [--only a,b] [--skip a,b] [--yes]
 *       checks every file against the manifest first (refused, naming the file, when one differs),
 *       asks before overwriting a target that holds data (--yes: does not ask; no terminal and no
 *       --yes: refused), restores into empty targets, and reads each one back against the manifest
 *
 * Services (--only, --skip): accounts, orders, payments, catalog, gateway, cart, events, search.
 * Where each store is comes from the environment, as for `npm run seed`: <SERVICE>_DATABASE_URL and
 * <SERVICE>_MIGRATE_DATABASE_URL (the owner role dumps and restores; POSTGRES_ADMIN_URL creates
 * the databases on restore), MONGO_URL and CATALOG_DB_NAME, REDIS_URL (a user that may RESTORE)
 * with GATEWAY_REDIS_PREFIX, ACCOUNTS_REDIS_PREFIX, CART_KEY_PREFIX, EVENTS_KEY_PREFIX,
 * ELASTICSEARCH_URL and SEARCH_INDEX_ALIAS. scripts/backup runs `backup` on the local stack.
 *
 * Exit status: 0 done; 1 refused or restored with differences (the error's code: BAD_USER_INPUT a
 * file that does not match or a setting missing, CONFLICT targets that hold data, NOT_FOUND no such
 * backup); 2 usage.
 */
import path from 'node:path';
import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import { AppError } from '@polystore/platform';
import { resolveBackup } from './folders';
import { readManifest } from './manifest';
import { DEFAULT_BACKUPS_KEPT, partsFromEnv, selectServices, servicesIn } from './plan';
import { backup, restore } from './run';

const ROOT = path.resolve(__dirname, '../../..');

const USAGE = `usage: npm run backup [-- --only a,b | --skip a,b] [--dir DIR] [--keep N]
       npm run restore -- <folder | name | latest> [--only a,b | --skip a,b] [--yes]`;

export class UsageError extends Error {}

const list = (value: string | undefined) =>
  value === undefined
    ? undefined
    : value
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);

export interface CliIo {
  out: (line: string) => void;
  env: NodeJS.ProcessEnv;
  /** Ask a yes/no question; undefined when there is no terminal to ask on. */
  confirm?: (question: string) => Promise<boolean>;
}

/** Run `backup` or `restore` with its arguments; resolves with the exit status. */
export async function backupCommand(argv: string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        only: { type: 'string' },
        skip: { type: 'string' },
        dir: { type: 'string' },
        keep: { type: 'string' },
        yes: { type: 'boolean', default: false },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const [command, folder, ...extra] = parsed.positionals;
  const { values } = parsed;
  if (extra.length) throw new UsageError(`unexpected ${extra.join(' ')}`);
  const dir = path.resolve(values.dir ?? io.env['BACKUP_DIR'] ?? path.join(ROOT, '.data', 'backups'));
  const only = list(values.only);
  const services = selectServices(only, list(values.skip));
  switch (command) {
    case 'backup': {
      if (folder) throw new UsageError('backup takes no folder: --dir says where backups go');
      if (values.yes) throw new UsageError('--yes is for restore');
      const keep = Number(values.keep ?? io.env['POLYSTORE_BACKUPS_KEPT'] ?? DEFAULT_BACKUPS_KEPT);
      const result = await backup({ dir, keep, parts: partsFromEnv(services, io.env), log: io.out });
      io.out(
        `backup in ${path.relative(process.cwd(), result.folder) || result.folder} (${result.manifest.seconds.toFixed(1)} s); ` +
          `keeping the newest ${keep}${result.pruned.length ? `, deleted ${result.pruned.join(', ')}` : ''}`,
      );
      return 0;
    }
    case 'restore': {
      if (!folder) throw new UsageError('restore needs the backup: a folder, its name, or latest');
      if (values.keep !== undefined) throw new UsageError('--keep is for backup');
      const from = resolveBackup(dir, folder);
      // every service the backup holds, unless --only names some (then each must be in it)
      const held = servicesIn(readManifest(from).parts.map((p) => p.id));
      const result = await restore({
        folder: from,
        parts: partsFromEnv(only ? services : services.filter((s) => held.includes(s)), io.env, 'restore'),
        yes: values.yes,
        confirm: io.confirm,
        log: io.out,
      });
      for (const note of result.notes) io.out(note);
      const differing = Object.entries(result.differences).filter(([, d]) => d.length);
      for (const [id, differences] of differing) {
        for (const d of differences) io.out(`DIFFERS ${id}: ${d.kind} ${d.name}: ${d.problem}`);
      }
      io.out(
        differing.length
          ? `restored from ${from}, but ${differing.length} parts differ from the backup (above)`
          : `restored from ${from}: every object matches the backup's counts and checksums`,
      );
      return differing.length ? 1 : 0;
    }
    default:
      throw new UsageError(command ? `unknown command ${command}` : 'backup or restore?');
  }
}

/** A yes/no question on the terminal, when there is one. */
function terminalConfirm(): CliIo['confirm'] {
  if (!process.stdin.isTTY || !process.stderr.isTTY) return undefined;
  return async (question) => {
    const rl = createInterface({ input: process.stdin, output: process.stderr });
    try {
      return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim());
    } finally {
      rl.close();
    }
  };
}

if (require.main === module) {
  backupCommand(process.argv.slice(2), {
    out: (l) => console.log(l),
    env: process.env,
    confirm: terminalConfirm(),
  }).then(
    (code) => process.exit(code),
    (error: unknown) => {
      if (error instanceof UsageError) {
        console.error(`${error.message}\n${USAGE}`);
        process.exit(2);
      }
      if (error instanceof AppError) {
        console.error(`${String(error.extensions['code'])}: ${error.message}`);
        process.exit(1);
      }
      console.error(`${process.argv[2] ?? 'backup'} failed: ${(error as Error).message}`);
      process.exit(1);
    },
  );
}
