import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { BSON, MongoClient, type Collection, type Db, type Document } from 'mongodb';
import { canonicalJson, sha256, UnorderedDigest } from './digest';
import { batches, LineWriter, readLines } from './lines';
import { recordFile, type ObjectRecord, type PartRecord } from './manifest';
import type { Inventory, PartBackup, ProgressFactory, RestoreOutcome, StorePart } from './part';

const { EJSON } = BSON;

export interface MongoTarget {
  service: string;
  url: string;
  dbName: string;
}

interface CollectionMeta {
  name: string;
  /** createCollection's options as listCollections reports them (EJSON). */
  options: Document;
  /** listIndexes' specs (EJSON), `_id_` included. */
  indexes: Document[];
}

const INSERT_BATCH = 1_000;

/** Documents as canonical Extended JSON: every BSON type kept (Int32 stays Int32, dates stay dates). */
const toLine = (doc: Document) => EJSON.stringify(doc, { relaxed: false });

/** What defines an index, independent of the server that reports it (no `v`, no `ns`; key order kept). */
function indexDefinition(spec: Document): string {
  const { v: _v, ns: _ns, key, ...rest } = EJSON.serialize(spec, { relaxed: false }) as Document;
  return canonicalJson({ ...rest, key: Object.entries(key as Document) });
}

/**
 * The catalog's Mongo database through the driver, so it works the same against FerretDB and
 * MongoDB: every collection's documents (one canonical Extended JSON document per line), its
 * options and its index specs, recreated on restore after the documents are in.
 */
export class MongoPart implements StorePart {
  readonly store = 'mongo' as const;
  readonly id: string;
  readonly service: string;
  readonly where: string;
  private client?: MongoClient;

  constructor(private readonly target: MongoTarget) {
    this.service = target.service;
    this.id = `mongo/${target.service}`;
    this.where = `Mongo database ${target.dbName}`;
  }

  private async db(): Promise<Db> {
    this.client ??= await new MongoClient(this.target.url, { serverSelectionTimeoutMS: 10_000 }).connect();
    return this.client.db(this.target.dbName);
  }

  private dir(): string {
    return `mongo/${this.service}`;
  }

  private async collections(db: Db): Promise<{ name: string; options: Document }[]> {
    const found = await db.listCollections({}, { nameOnly: false }).toArray();
    return found
      .filter((c) => c.type !== 'view' && !c.name.startsWith('system.'))
      .map((c) => ({ name: c.name, options: (c as { options?: Document }).options ?? {} }))
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Read one collection: every document through `onLine`, and its objects for the manifest. */
  private async readCollection(
    collection: Collection,
    onLine: (line: string) => Promise<void> | void,
  ): Promise<{ objects: ObjectRecord[]; indexes: Document[] }> {
    const digest = new UnorderedDigest();
    for await (const doc of collection.find({}, { batchSize: INSERT_BATCH })) {
      const line = toLine(doc);
      digest.add(line);
      await onLine(line);
    }
    const indexes = await collection.listIndexes().toArray();
    const objects: ObjectRecord[] = [
      { kind: 'collection', name: collection.collectionName, count: digest.count, checksum: digest.hex },
      ...indexes.map((spec) => ({
        kind: 'index',
        name: `${collection.collectionName}/${String(spec['name'])}`,
        checksum: sha256(indexDefinition(spec)),
      })),
    ];
    return { objects, indexes };
  }

  async backup(folder: string, progress: ProgressFactory): Promise<PartBackup> {
    const db = await this.db();
    mkdirSync(path.join(folder, this.dir()), { recursive: true });
    const objects: ObjectRecord[] = [];
    const meta: CollectionMeta[] = [];
    const files: string[] = [];
    for (const { name, options } of await this.collections(db)) {
      const collection = db.collection(name);
      const step = progress(`${this.id}: ${name}`, await collection.estimatedDocumentCount());
      const file = `${this.dir()}/${encodeURIComponent(name)}.ejson`;
      const out = new LineWriter(path.join(folder, file));
      const read = await this.readCollection(collection, async (line) => {
        await out.write(line);
        step.tick();
      });
      await out.close();
      step.finish();
      objects.push(...read.objects);
      meta.push({
        name,
        options: EJSON.serialize(options, { relaxed: false }) as Document,
        indexes: read.indexes.map((i) => EJSON.serialize(i, { relaxed: false }) as Document),
      });
      files.push(file);
    }
    const metaFile = `${this.dir()}/collections.json`;
    writeFileSync(path.join(folder, metaFile), `${JSON.stringify(meta, null, 2)}\n`, { mode: 0o600 });
    return {
      source: this.target.dbName,
      objects,
      files: await Promise.all([metaFile, ...files].map((f) => recordFile(folder, f))),
      details: {},
    };
  }

  async contents(): Promise<string | null> {
    const n = (await this.collections(await this.db())).length;
    return n ? `${n} collections` : null;
  }

  async clean(): Promise<void> {
    await (await this.db()).dropDatabase();
  }

  async restore(folder: string, record: PartRecord, progress: ProgressFactory): Promise<RestoreOutcome> {
    const db = await this.db();
    const meta = JSON.parse(
      readFileSync(path.join(folder, this.dir(), 'collections.json'), 'utf8'),
    ) as CollectionMeta[];
    for (const { name, options, indexes } of meta) {
      const count = record.objects.find((o) => o.kind === 'collection' && o.name === name)?.count ?? 0;
      const step = progress(`${this.id}: ${name}`, count);
      const collection = await db.createCollection(name, EJSON.deserialize(options, { relaxed: false }));
      const lines = readLines(path.join(folder, this.dir(), `${encodeURIComponent(name)}.ejson`));
      for await (const batch of batches(lines, INSERT_BATCH)) {
        await collection.insertMany(
          batch.map((line) => EJSON.parse(line, { relaxed: false }) as Document),
          { ordered: true },
        );
        step.tick(batch.length);
      }
      step.finish();
      // Secondary indexes after the documents (faster, as mongorestore does); `_id_` exists already.
      const secondary = indexes
        .map((spec) => EJSON.deserialize(spec, { relaxed: false }) as Document)
        .filter((spec) => spec['name'] !== '_id_')
        .map(({ v: _v, ns: _ns, ...spec }) => spec as { key: Document; name: string });
      if (secondary.length) await collection.createIndexes(secondary);
    }
    return { expected: () => record.objects, notes: [] };
  }

  async inventory(): Promise<Inventory> {
    const db = await this.db();
    const objects: ObjectRecord[] = [];
    for (const { name } of await this.collections(db)) {
      objects.push(...(await this.readCollection(db.collection(name), () => {})).objects);
    }
    return { objects, asOf: Date.now() };
  }

  async close(): Promise<void> {
    await this.client?.close();
    this.client = undefined;
  }
}
