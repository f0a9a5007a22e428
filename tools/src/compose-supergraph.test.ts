import { readFileSync } from 'node:fs';
import path from 'node:path';
import { compose, composeFromRepository, readManifest } from './compose-supergraph';

const schema = (name: string) => readFileSync(path.join(__dirname, '../../schema', `${name}.graphql`), 'utf8');

describe('supergraph composition', () => {
  it('composes the subgraphs in schema/ to the committed supergraph', () => {
    const result = composeFromRepository();
    expect(result.ok).toBe(true);
    if (result.ok)
      expect(result.supergraphSdl).toBe(readFileSync(path.join(__dirname, '../../schema/supergraph.graphql'), 'utf8'));
  });

  it('fails, with the reason, when two subgraphs disagree on a shared type', () => {
    const broken = schema('accounts').replace(
      'type Product @key(fields: "id", resolvable: false) {\n  id: ID!\n}',
      'type Product @key(fields: "id", resolvable: false) {\n  id: Int!\n}',
    );
    expect(broken).not.toBe(schema('accounts'));
    const every = Object.fromEntries(readManifest().subgraphs.map(({ name }) => [name, schema(name)]));
    const result = compose({ ...every, accounts: broken });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors.join('\n')).toMatch(/Product\.id/);
  });
});
