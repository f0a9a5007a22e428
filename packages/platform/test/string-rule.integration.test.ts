import { Client as Elasticsearch } from '@elastic/elasticsearch';
import { MongoClient } from 'mongodb';
import pg from 'pg';
import { unstorableCharacter } from '../src';
import { createTestIndex, type TestIndex } from '../../../test-support/elasticsearch';
import { createTestMongo, type TestMongo } from '../../../test-support/mongo';
import { createTestKeySpace, type TestKeySpace } from '../../../test-support/redis';
import { requireVar, stackEnv } from '../../../test-support/stack-env';

// The evidence for the string rule (string-rule.ts, docs/adr/0012): what each real store, through
// the driver its service uses, does with each kind of character. If a store or driver starts to
// behave otherwise, this fails and the rule must be looked at again.
const SAMPLES = {
  NUL: 'a\u0000b',
  'an unpaired high surrogate': 'a\ud800b',
  'an unpaired low surrogate': 'a\udfffb',
  'a pair the wrong way round': 'a\udc00\ud800b',
  'U+FFFE': 'a\ufffeb',
  'U+FFFF': 'a\uffffb',
  'U+FDD0': 'a\ufdd0b',
  'U+FDEF': 'a\ufdefb',
  'U+1FFFE': 'a\u{1fffe}b',
  'U+10FFFF': 'a\u{10ffff}b',
  'other controls': 'a\u0001\u001f\u007f\u0085b',
  'BOM and U+FFFD': '\ufeffa\ufffdb',
  'private use': 'a\ue000\u{f0000}b',
  astral: '𝔘 𠜎 😀',
  'combining marks': 'e\u0301\u0327',
  'right-to-left': 'שלום \u200fمرحبا',
  'emoji ZWJ sequence': '👩‍👩‍👧',
} as const;
type Sample = keyof typeof SAMPLES;
type Outcome = 'kept' | 'refused' | `became ${string}`;

const outcome = async (value: string, roundTrip: () => Promise<unknown>): Promise<Outcome> => {
  try {
    const back = await roundTrip();
    return back === value ? 'kept' : `became ${JSON.stringify(back)}`;
  } catch {
    return 'refused';
  }
};
const replaced = (s: string) => `became ${JSON.stringify(s.toWellFormed())}` as const;

let postgres: pg.Client;
let mongo: TestMongo;
let mongoClient: MongoClient;
let redisKeys: TestKeySpace;
let searchIndex: TestIndex;
let elasticsearch: Elasticsearch;

beforeAll(async () => {
  postgres = new pg.Client(requireVar(stackEnv(), 'POSTGRES_ADMIN_URL'));
  await postgres.connect();
  // a temporary table: it lives in this session only
  await postgres.query('CREATE TEMP TABLE strings (value text, doc jsonb)');
  mongo = await createTestMongo('strings');
  mongoClient = await new MongoClient(mongo.url).connect();
  redisKeys = await createTestKeySpace('cart', 'CART_REDIS_URL');
  searchIndex = await createTestIndex('strings');
  elasticsearch = new Elasticsearch({ node: searchIndex.url });
});
afterAll(async () => {
  await postgres?.end();
  await mongoClient?.close();
  await Promise.all([mongo?.drop(), redisKeys?.drop(), searchIndex?.drop()]);
  await elasticsearch?.close();
});

/** Every store, each through the driver and the kind of column or document its service uses. */
async function throughEveryStore(name: Sample, value: string, n: number): Promise<Record<string, Outcome>> {
  const collection = mongoClient.db(mongo.dbName).collection<{ _id: string; value: string }>('strings');
  const key = `${redisKeys.prefix}${n}`;
  return {
    // accounts, orders, payments: Prisma over adapter-pg (the pg driver), text columns
    'PostgreSQL text': await outcome(value, async () => {
      const { rows } = await postgres.query('INSERT INTO strings (value) VALUES ($1) RETURNING value', [value]);
      return rows[0].value;
    }),
    // FerretDB keeps each document as jsonb
    'PostgreSQL jsonb': await outcome(value, async () => {
      const { rows } = await postgres.query('INSERT INTO strings (doc) VALUES ($1) RETURNING doc', [
        JSON.stringify({ value }),
      ]);
      return rows[0].doc.value;
    }),
    // catalog: the mongodb driver (under mongoose) to FerretDB
    FerretDB: await outcome(value, async () => {
      await collection.insertOne({ _id: `s${n}`, value });
      return (await collection.findOne({ _id: `s${n}` }))?.value;
    }),
    'FerretDB filter': await outcome(value, async () => ((await collection.findOne({ value })) ? value : 'no match')),
    // cart, sessions, caches: ioredis
    Redis: await outcome(value, async () => {
      await redisKeys.redis.set(key, value);
      return redisKeys.redis.get(key);
    }),
    // search: the 8.x client, a products index of its own
    Elasticsearch: await outcome(value, async () => {
      await elasticsearch.index({ index: searchIndex.alias, id: `s${n}`, document: { id: name, name: value } });
      return ((await elasticsearch.get({ index: searchIndex.alias, id: `s${n}` }))._source as { name: string }).name;
    }),
    'Elasticsearch query': await outcome(value, async () => {
      await elasticsearch.search({ index: searchIndex.alias, query: { match: { name: value } } });
      return value;
    }),
  };
}

describe('what the stores do with each kind of string', () => {
  const seen = new Map<Sample, Record<string, Outcome>>();

  beforeAll(async () => {
    let n = 0;
    for (const [name, value] of Object.entries(SAMPLES) as [Sample, string][]) {
      seen.set(name, await throughEveryStore(name, value, n++));
    }
  });

  it('NUL: PostgreSQL text and jsonb refuse it, and FerretDB (on jsonb) even in a filter', () => {
    expect(seen.get('NUL')).toEqual({
      'PostgreSQL text': 'refused',
      'PostgreSQL jsonb': 'refused',
      FerretDB: 'refused',
      'FerretDB filter': 'refused',
      Redis: 'kept',
      Elasticsearch: 'kept',
      'Elasticsearch query': 'kept',
    });
  });

  it.each(['an unpaired high surrogate', 'an unpaired low surrogate', 'a pair the wrong way round'] as const)(
    '%s: the pg, mongodb and ioredis drivers silently turn it into U+FFFD, jsonb refuses it',
    (name) => {
      const becomes = replaced(SAMPLES[name]);
      expect(seen.get(name)).toEqual({
        'PostgreSQL text': becomes,
        'PostgreSQL jsonb': 'refused',
        FerretDB: becomes,
        // the filter matches because it is turned into U+FFFD too: two different inputs, one value
        'FerretDB filter': 'kept',
        Redis: becomes,
        Elasticsearch: 'kept',
        'Elasticsearch query': 'kept',
      });
    },
  );

  it('non-characters and every other well-formed string are kept exactly by every store', () => {
    const wellFormed = (Object.keys(SAMPLES) as Sample[]).filter((s) => SAMPLES[s].isWellFormed() && s !== 'NUL');
    expect(wellFormed).toHaveLength(Object.keys(SAMPLES).length - 4);
    for (const name of wellFormed) {
      expect([name, Object.values(seen.get(name)!).every((o) => o === 'kept')]).toEqual([name, true]);
    }
  });

  it('the rule refuses exactly the strings some store refuses or changes', () => {
    for (const [name, value] of Object.entries(SAMPLES) as [Sample, string][]) {
      const storesKeepIt = Object.values(seen.get(name)!).every((o) => o === 'kept');
      expect([name, unstorableCharacter(value) === null]).toEqual([name, storesKeepIt]);
    }
  });
});
