import { hostname } from 'node:os';
import type { Collection, Db } from 'mongodb';

/**
 * A versioned change to the catalog's collections or indexes. `up` must be safe to run again
 * after a crash half-way (createIndexes is; creating a collection that exists is tolerated).
 */
export interface MongoMigration {
  version: number;
  name: string;
  up(db: Db): Promise<void>;
}

interface AppliedRow {
  _id: number;
  name: string;
  appliedAt: Date;
}

interface LockRow {
  _id: string;
  owner: string;
  at: Date;
}

const LOCK_STALE_MS = 10 * 60_000;

/**
 * Apply pending migrations in version order, recording each in `_migrations` once it is done.
 * A lock document (unique _id) keeps two runners from migrating at once; a lock older than
 * ten minutes belongs to a crashed runner and is taken over.
 * (Why not migrate-mongo: its configuration is a process-wide singleton read from a config file,
 * and its lock relies on a TTL index; see docs/adr/0003-mongo-migrations.md.)
 */
export async function migrateMongo(
  db: Db,
  migrations: readonly MongoMigration[],
  log: (line: string) => void = () => undefined,
): Promise<number[]> {
  const versions = migrations.map((m) => m.version);
  if (new Set(versions).size !== versions.length) throw new Error('duplicate migration versions');
  const locks = db.collection<LockRow>('_migration_lock');
  const owner = `${hostname()}:${process.pid}`;
  await acquire(locks, owner);
  try {
    const history = db.collection<AppliedRow>('_migrations');
    const applied = new Set((await history.find({}).toArray()).map((row) => row._id));
    const done: number[] = [];
    for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
      if (applied.has(migration.version)) continue;
      log(`applying ${migration.version} ${migration.name}`);
      await migration.up(db);
      await history.insertOne({ _id: migration.version, name: migration.name, appliedAt: new Date() });
      done.push(migration.version);
    }
    return done;
  } finally {
    await locks.deleteOne({ _id: 'lock', owner });
  }
}

async function acquire(locks: Collection<LockRow>, owner: string): Promise<void> {
  try {
    await locks.insertOne({ _id: 'lock', owner, at: new Date() });
  } catch (error) {
    if ((error as { code?: number }).code !== 11000) throw error;
    const stale = await locks.findOneAndReplace(
      { _id: 'lock', at: { $lt: new Date(Date.now() - LOCK_STALE_MS) } },
      { owner, at: new Date() },
    );
    if (!stale) {
      throw new Error('another migration run holds the lock (_migration_lock); try again when it ends', {
        cause: error,
      });
    }
  }
}

/** Create a collection unless it exists (code 48: NamespaceExists). */
export async function ensureCollection(db: Db, name: string): Promise<void> {
  try {
    await db.createCollection(name);
  } catch (error) {
    if ((error as { code?: number }).code !== 48) throw error;
  }
}
