import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { BSON, MongoClient } from 'mongodb';
import { queryAs } from './postgres';

// What a store holds, read with the stores' own clients and queries, independently of the backup
// tool's code (tools/src/backup/): a test compares what a store held before a backup with what it
// holds after a restore.

const md5 = (text: string) => createHash('md5').update(text).digest('hex');

export interface TableFingerprint {
  rows: number;
  /** md5 of every row's text, in sorted order. */
  md5: string;
  /** Who may do what with it (relacl). */
  privileges: string;
}

export interface DatabaseFingerprint {
  tables: Record<string, TableFingerprint>;
  indexes: Record<string, string | null>;
  constraints: Record<string, string | null>;
  triggers: Record<string, string | null>;
  sequences: Record<string, string | null>;
}

/** Every table (rows, privileges), index, constraint, trigger and sequence of a database (read as `url`). */
export async function databaseFingerprint(url: string): Promise<DatabaseFingerprint> {
  const tables: Record<string, TableFingerprint> = {};
  const list = await queryAs(
    url,
    `SELECT c.relname AS name, coalesce(c.relacl::text, '') AS acl FROM pg_class c
      WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r' ORDER BY 1`,
  );
  for (const { name, acl } of list) {
    const [row] = await queryAs(
      url,
      `SELECT count(*)::int AS rows, md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '')) AS md5
         FROM public."${String(name).replaceAll('"', '""')}" t`,
    );
    tables[String(name)] = { rows: Number(row!['rows']), md5: String(row!['md5']), privileges: String(acl) };
  }
  const pairs = async (sql: string) =>
    Object.fromEntries((await queryAs(url, sql)).map((r) => [String(r['name']), r['def'] as string | null]));
  return {
    tables,
    indexes: await pairs(`SELECT indexname AS name, indexdef AS def FROM pg_indexes WHERE schemaname = 'public'`),
    constraints: await pairs(
      `SELECT conrelid::regclass || '/' || conname AS name, pg_get_constraintdef(oid) AS def FROM pg_constraint
        WHERE connamespace = 'public'::regnamespace`,
    ),
    triggers: await pairs(
      `SELECT tgrelid::regclass || '/' || tgname AS name, pg_get_triggerdef(oid) AS def FROM pg_trigger WHERE NOT tgisinternal`,
    ),
    sequences: await pairs(
      `SELECT sequencename AS name, last_value::text AS def FROM pg_sequences WHERE schemaname = 'public'`,
    ),
  };
}

export interface CollectionFingerprint {
  documents: number;
  /** md5 of every document as canonical Extended JSON, in `_id` order. */
  md5: string;
  indexes: unknown[];
}

/** Every collection of a Mongo database: its documents (types included) and its indexes. */
export async function mongoFingerprint(url: string, dbName: string): Promise<Record<string, CollectionFingerprint>> {
  const client = await new MongoClient(url).connect();
  try {
    const db = client.db(dbName);
    const result: Record<string, CollectionFingerprint> = {};
    for (const { name } of await db.listCollections({}, { nameOnly: true }).toArray()) {
      const docs = (await db.collection(name).find({}).toArray())
        .map((d) => [BSON.EJSON.stringify(d._id as never), BSON.EJSON.stringify(d, { relaxed: false })] as const)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      const indexes = (await db.collection(name).listIndexes().toArray())
        .map(({ v: _v, ns: _ns, ...spec }) => BSON.EJSON.serialize(spec, { relaxed: false }))
        .sort((a, b) => String(a['name']).localeCompare(String(b['name'])));
      result[name] = { documents: docs.length, md5: md5(docs.map(([, d]) => d).join('\n')), indexes };
    }
    return result;
  } finally {
    await client.close();
  }
}

export interface KeyFingerprint {
  type: string;
  /** PEXPIRETIME: when it expires (ms since the epoch), -1 for never. */
  expiresAt: number;
  value: unknown;
}

/** Every key under a prefix: its type, absolute expiry and whole value (a stream with its groups and pending entries). */
export async function keysFingerprint(redis: Redis, prefix: string): Promise<Record<string, KeyFingerprint>> {
  const keys = new Set<string>();
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    batch.forEach((k) => keys.add(k));
  } while (cursor !== '0');
  const result: Record<string, KeyFingerprint> = {};
  for (const key of [...keys].sort()) {
    const type = await redis.type(key);
    let value: unknown;
    switch (type) {
      case 'string':
        value = await redis.get(key);
        break;
      case 'hash':
        value = Object.entries(await redis.hgetall(key)).sort(([a], [b]) => a.localeCompare(b));
        break;
      case 'set':
        value = (await redis.smembers(key)).sort();
        break;
      case 'zset':
        value = await redis.zrange(key, '0', '-1', 'WITHSCORES');
        break;
      case 'list':
        value = await redis.lrange(key, 0, -1);
        break;
      case 'stream': {
        const groups = (await redis.xinfo('GROUPS', key)) as unknown[][];
        value = {
          entries: await redis.xrange(key, '-', '+'),
          groups: await Promise.all(
            groups.map(async (flat) => {
              const name = String(flat[flat.indexOf('name') + 1]);
              // each pending entry's id, consumer and deliveries (not its idle time, which grows)
              const pending = (await redis.xpending(key, name, '-', '+', '1000')) as unknown[][];
              return { info: flat, pending: pending.map(([id, consumer, , deliveries]) => [id, consumer, deliveries]) };
            }),
          ),
        };
        break;
      }
      default:
        continue; // gone since the SCAN
    }
    result[key.slice(prefix.length)] = { type, expiresAt: await redis.pexpiretime(key), value };
  }
  return result;
}

export interface SearchFingerprint {
  /** Version suffix (`_v1`) → documents by id, mappings, whether the alias points at it. */
  indices: Record<string, { documents: Record<string, unknown>; mappings: unknown; aliased: boolean }>;
  template: unknown;
}

/** The indices behind a search alias, their documents and mappings, and its template. */
export async function searchFingerprint(url: string, alias: string): Promise<SearchFingerprint> {
  const get = async (path: string) => {
    const response = await fetch(`${url}${path}`);
    return response.status === 404 ? null : ((await response.json()) as any);
  };
  const indices: SearchFingerprint['indices'] = {};
  const found = (await get(`/${alias}_v*?expand_wildcards=all`)) ?? {};
  for (const [name, state] of Object.entries<any>(found)) {
    await fetch(`${url}/${name}/_refresh`, { method: 'POST' });
    const hits = (await get(`/${name}/_search?size=10000&sort=_doc`)).hits.hits as { _id: string; _source: unknown }[];
    indices[name.slice(alias.length)] = {
      documents: Object.fromEntries(hits.map((h) => [h._id, h._source])),
      mappings: state.mappings,
      aliased: alias in (state.aliases ?? {}),
    };
  }
  const template = await get(`/_index_template/${alias}`);
  return { indices, template: template?.index_templates?.[0]?.index_template ?? null };
}
