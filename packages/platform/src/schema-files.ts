import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse, type DocumentNode } from 'graphql';

/**
 * The repository's `schema/` folder: SDL lives there once, and services, codegen and composition
 * all read it from there. POLYSTORE_SCHEMA_DIR overrides it (containers copy it elsewhere).
 */
export function schemaDir(): string {
  return process.env['POLYSTORE_SCHEMA_DIR'] ?? path.resolve(__dirname, '../../../schema');
}

export function loadSubgraphSdl(name: string): DocumentNode {
  const file = path.join(schemaDir(), `${name}.graphql`);
  return parse(readFileSync(file, 'utf8'));
}
