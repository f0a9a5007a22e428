import { MongoClient } from 'mongodb';
import { queryAs, withDatabase } from '../../test-support/postgres';
import { requireVar, stackEnv } from '../../test-support/stack-env';
import { databaseFromUrl, roleFromUrl } from '../src/provision';

// Against the databases `scripts/stack up` provisioned: each service's role reaches its own
// database only. PostgreSQL answers 42501 (insufficient privilege) for the rest.
const env = stackEnv();
const accountsUrl = requireVar(env, 'ACCOUNTS_DATABASE_URL');
const others = ['ORDERS', 'PAYMENTS'].map((s) => databaseFromUrl(requireVar(env, `${s}_DATABASE_URL`)));

describe('the accounts role', () => {
  it('reads its own database', async () => {
    await expect(queryAs(accountsUrl, 'SELECT count(*) FROM users')).resolves.toHaveLength(1);
  });

  it.each([...others, 'catalog'])('cannot connect to the %s database', async (database) => {
    await expect(queryAs(withDatabase(accountsUrl, database), 'SELECT 1')).rejects.toMatchObject({ code: '42501' });
  });

  it("cannot read the catalog's collections through the MongoDB endpoint", async () => {
    const { name, password } = roleFromUrl(accountsUrl);
    const mongo = new URL(requireVar(env, 'MONGO_URL'));
    mongo.username = name;
    mongo.password = password;
    const client = new MongoClient(mongo.toString(), { serverSelectionTimeoutMS: 5000 });
    try {
      await expect(client.db('catalog').collection('products').findOne({})).rejects.toThrow();
    } finally {
      await client.close();
    }
  });
});

describe.each([
  ['orders', 'orders'],
  ['payments', 'payments'],
])('the %s role', (service, ownTable) => {
  const url = () => requireVar(env, `${service.toUpperCase()}_DATABASE_URL`);
  const databases = ['accounts', 'orders', 'payments'].filter((d) => d !== service);

  it('reads its own database', async () => {
    await expect(queryAs(url(), `SELECT count(*) FROM ${ownTable}`)).resolves.toHaveLength(1);
  });

  it.each([...databases, 'catalog'])('cannot connect to the %s database', async (other) => {
    const database =
      other === 'catalog' ? 'catalog' : databaseFromUrl(requireVar(env, `${other.toUpperCase()}_DATABASE_URL`));
    await expect(queryAs(withDatabase(url(), database), 'SELECT 1')).rejects.toMatchObject({ code: '42501' });
  });

  it('cannot change the schema of its own database', async () => {
    await expect(queryAs(url(), 'CREATE TABLE intruder (id int)')).rejects.toMatchObject({ code: '42501' });
  });
});

describe("another service's role", () => {
  it.each(['ORDERS', 'PAYMENTS'])('%s cannot connect to the accounts database', async (service) => {
    const url = withDatabase(requireVar(env, `${service}_DATABASE_URL`), databaseFromUrl(accountsUrl));
    await expect(queryAs(url, 'SELECT 1')).rejects.toMatchObject({ code: '42501' });
  });

  it("the catalog's role cannot connect to the accounts database", async () => {
    const catalog = new URL(accountsUrl);
    catalog.username = 'catalog';
    catalog.password = requireVar(env, 'CATALOG_PG_PASSWORD');
    await expect(queryAs(catalog.toString(), 'SELECT 1')).rejects.toMatchObject({ code: '42501' });
  });
});
