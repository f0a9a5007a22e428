import { ensureCollection, type MongoMigration } from './runner';

/**
 * The catalog's collections and indexes, by version. Declared in m2m/README.md as well.
 * Never edit an applied migration: add the next version.
 */
export const catalogMigrations: MongoMigration[] = [
  {
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
  },
];
