import { ensureCollection, type MongoMigration } from './runner';

export const migration: MongoMigration = {
  version: 1,
  name: 'products-and-categories',
  async up(db) {
    await ensureCollection(db, 'categories');
    await ensureCollection(db, 'products');
    await db.collection('products').createIndexes([
      { key: { sku: 1 }, name: 'sku_unique', unique: true },
      { key: { status: 1, _id: -1 }, name: 'status_newest' },
      { key: { category: 1, status: 1, _id: -1 }, name: 'category_status_newest' },
      { key: { 'price.amount': 1, _id: 1 }, name: 'price_amount' },
      { key: { nameKey: 1, _id: 1 }, name: 'name_key' },
      { key: { attributeKeys: 1 }, name: 'attribute_keys' },
    ]);
  },
};
