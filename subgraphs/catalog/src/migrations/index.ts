import { migration as v1 } from './0001-products-and-categories.migration';
import type { MongoMigration } from './runner';

/**
 * The catalog's collections and indexes, by version. Declared in m2m/README.md as well.
 * One file per version, `NNNN-<name>.migration.ts`, recorded with its hash in versions.json
 * (`npm run migrate -- record`): `npm run migrate -- check` fails when a recorded version's file
 * changes. Never edit an applied migration: add the next version.
 */
export const catalogMigrations: MongoMigration[] = [v1];
