import { MongoClient } from 'mongodb';
import { catalogMigrations } from '../subgraphs/catalog/src/migrations';
import { migrateMongo } from '../subgraphs/catalog/src/migrations/runner';
import { requireVar, stackEnv, uniqueSuffix } from './stack-env';

export interface TestMongo {
  url: string;
  dbName: string;
  drop(): Promise<void>;
}

/** A fresh, migrated catalog database for one test file, on the real MongoDB endpoint. */
export async function createTestMongo(prefix = 'catalog'): Promise<TestMongo> {
  const url = requireVar(stackEnv(), 'MONGO_URL');
  const dbName = `${prefix}_t_${uniqueSuffix()}`;
  const client = await new MongoClient(url).connect();
  try {
    await migrateMongo(client.db(dbName), catalogMigrations);
  } finally {
    await client.close();
  }
  return {
    url,
    dbName,
    async drop() {
      const c = await new MongoClient(url).connect();
      try {
        await c.db(dbName).dropDatabase();
      } finally {
        await c.close();
      }
    },
  };
}
