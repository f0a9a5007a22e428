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
}

function sections(): Section[] {
  const text = readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');
  const result: Section[] = [];
  let parent = '';
  for (const line of text.split('\n')) {
    if (line.startsWith('## ')) {
      result.push({ heading: line.slice(3), objects: [] });
      parent = '';
      continue;
    }
    const row = /^\|\s*`([^`]+)`\s*\|\s*(table|index|collection|key space)\s*\|/.exec(line);
    if (!row || !result.length) continue;
    const [, name, kind] = row;
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

  it('declares every Elasticsearch index', async () => {
    const response = await fetch(
      `${requireVar(env, 'ELASTICSEARCH_URL')}/_cat/indices?format=json&expand_wildcards=open`,
    );
    const indices = ((await response.json()) as { index: string }[])
      .map((i) => i.index)
      .filter((name) => !name.startsWith('.'));
    expect(indices.sort()).toEqual(declared('Elasticsearch'));
  });
});
