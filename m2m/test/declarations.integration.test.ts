import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Redis } from 'ioredis';
import { MongoClient } from 'mongodb';
import { queryAs, withDatabase } from '../../test-support/postgres';
import { requireVar, stackEnv } from '../../test-support/stack-env';

// m2m/README.md is the declaration of every store object; this checks it against the real,
// migrated stores of the stack, both ways: nothing undeclared exists, nothing declared is missing.

interface Section {
  heading: string;
  /** `parent/child` for indexes, `name` for tables, collections and key spaces. */
  objects: string[];
  /** Every row as written, with its kind. */
  rows: { name: string; kind: string }[];
}

function sections(): Section[] {
  const text = readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');
  const result: Section[] = [];
  let parent = '';
  for (const line of text.split('\n')) {
    if (line.startsWith('## ')) {
      result.push({ heading: line.slice(3), objects: [], rows: [] });
      parent = '';
      continue;
    }
    const row =
      /^\|\s*`([^`]+)`\s*\|\s*(table|index|collection|key space|search index|alias|index template|stream|consumer group)\s*\|/.exec(
        line,
      );
    if (!row || !result.length) continue;
    const [, name, kind] = row;
    result.at(-1)!.rows.push({ name: name!, kind: kind! });
    if (kind === 'index') result.at(-1)!.objects.push(`${parent}/${name}`);
    else {
      parent = name!;
      result.at(-1)!.objects.push(name!);
    }
  }
  return result;
}

const declared = (prefix: string) => {
  const section = sections().find((s) => s.heading.startsWith(prefix));
  if (!section) throw new Error(`m2m/README.md has no section "${prefix}"`);
  return section.objects.sort();
};

const env = stackEnv();

describe('m2m/README.md', () => {
  it.each(['accounts', 'orders', 'payments'])(
    'declares exactly the tables and indexes of PostgreSQL %s',
    async (database) => {
      const url = withDatabase(requireVar(env, 'POSTGRES_ADMIN_URL'), database);
      const tables = await queryAs(url, `SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public'`);
      const indexes = await queryAs(url, `SELECT tablename, indexname FROM pg_indexes WHERE schemaname = 'public'`);
      const actual = [
        ...tables.map((t) => t['name']),
        ...indexes.map((i) => `${i['tablename']}/${i['indexname']}`),
      ].sort();
      expect(actual).toEqual(declared(`PostgreSQL \`${database}\``));
    },
  );

  it('declares exactly the collections and indexes of MongoDB catalog', async () => {
    const client = await new MongoClient(requireVar(env, 'MONGO_URL')).connect();
    try {
      const db = client.db('catalog');
      const actual: string[] = [];
      for (const { name } of await db.listCollections({}, { nameOnly: true }).toArray()) {
        actual.push(name);
        for (const index of await db.collection(name).listIndexes().toArray()) actual.push(`${name}/${index['name']}`);
      }
      expect(actual.sort()).toEqual(declared('MongoDB `catalog`'));
    } finally {
      await client.close();
    }
  });

  it('declares the key space of every Redis key', async () => {
    const redis = new Redis(requireVar(env, 'REDIS_URL'), { lazyConnect: true, maxRetriesPerRequest: 1 });
    await redis.connect();
    try {
      const spaces = declared('Redis').map((s) => s.replace(/\*$/, ''));
      const undeclared: string[] = [];
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'COUNT', 1000);
        cursor = next;
        undeclared.push(...keys.filter((k) => !spaces.some((prefix) => k.startsWith(prefix))));
      } while (cursor !== '0');
      expect(undeclared).toEqual([]);
    } finally {
      redis.disconnect();
    }
  });

  // Streams and consumer groups appear when first used; every one that exists must be declared.
  // Test runs use their own namespace, `events:t_<suffix>:…`, and delete it afterwards.
  it('declares every event stream and consumer group in Redis', async () => {
    const redis = new Redis(requireVar(env, 'REDIS_URL'), { lazyConnect: true, maxRetriesPerRequest: 1 });
    await redis.connect();
    try {
      const rows = sections().find((s) => s.heading.startsWith('Event streams'))!.rows;
      const declaredOf = (kind: string) => rows.filter((r) => r.kind === kind).map((r) => r.name);
      const streams: string[] = [];
      let cursor = '0';
      do {
        const [next, keys] = (await redis.call(
          'SCAN',
          cursor,
          'MATCH',
          'events:*',
          'TYPE',
          'stream',
          'COUNT',
          1000,
        )) as [string, string[]];
        cursor = next;
        streams.push(...keys.filter((k) => !k.startsWith('events:t_')));
      } while (cursor !== '0');
      expect(streams.filter((k) => !declaredOf('stream').includes(k))).toEqual([]);
      const groups: string[] = [];
      for (const key of streams) {
        const info = (await redis.call('XINFO', 'GROUPS', key)) as unknown[][];
        for (const group of info) groups.push(`${key} ${String(group[group.indexOf('name') + 1])}`);
      }
      expect(groups.filter((g) => !declaredOf('consumer group').includes(g))).toEqual([]);
    } finally {
      redis.disconnect();
    }
  });

  // Test runs make aliases, indices and templates named `<name>_t_<suffix>` of their own (in
  // parallel with this check) and delete them: names containing `_t_` are not the product's. So
  // are Elasticsearch's own: dot-prefixed indices and aliases, templates marked `_meta.managed`.
  it('declares every Elasticsearch index, alias and index template', async () => {
    const es = requireVar(env, 'ELASTICSEARCH_URL');
    const ours = (name: string) => !name.startsWith('.') && !name.includes('_t_');
    const get = async <T>(path: string) => (await (await fetch(`${es}${path}`)).json()) as T;
    const rows = sections().find((s) => s.heading.startsWith('Elasticsearch'))!.rows;
    const ofKind = (kind: string) => rows.filter((r) => r.kind === kind).map((r) => r.name);

    // `products_v<N>` declares exactly one index of that name with any version.
    const patterns = ofKind('search index').map(
      (name) => new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace('<N>', '[1-9][0-9]*')}$`),
    );
    const indices = (await get<{ index: string }[]>('/_cat/indices?format=json&h=index&expand_wildcards=all'))
      .map((i) => i.index)
      .filter(ours);
    expect(indices.filter((i) => !patterns.some((p) => p.test(i)))).toEqual([]);
    for (const pattern of patterns) expect(indices.filter((i) => pattern.test(i))).toHaveLength(1);

    const aliases = (await get<{ alias: string; index: string }[]>('/_cat/aliases?format=json&h=alias,index')).filter(
      (a) => ours(a.alias),
    );
    expect(aliases.map((a) => a.alias).sort()).toEqual(ofKind('alias').sort());
    for (const { index } of aliases) expect(patterns.some((p) => p.test(index))).toBe(true);

    const templates = (
      await get<{ index_templates: { name: string; index_template: { _meta?: { managed?: boolean } } }[] }>(
        '/_index_template',
      )
    ).index_templates
      .filter((t) => ours(t.name) && t.index_template._meta?.managed !== true)
      .map((t) => t.name);
    expect(templates.sort()).toEqual(ofKind('index template').sort());
  });
});
