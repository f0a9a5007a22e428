import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ApolloGateway } from '@apollo/gateway';
import { parse, validate, type GraphQLSchema } from 'graphql';
import { loadOperations } from './operations';

const SCHEMA_DIR = path.join(__dirname, '../../../schema');

describe('the storefront operations in schema/operations/', () => {
  let schema: GraphQLSchema;
  let gateway: ApolloGateway;

  beforeAll(async () => {
    gateway = new ApolloGateway({ supergraphSdl: readFileSync(path.join(SCHEMA_DIR, 'supergraph.graphql'), 'utf8') });
    ({ schema } = await gateway.load());
  });
  afterAll(async () => {
    await gateway.stop();
  });

  it('are valid against the composed supergraph, each file one or more named operations', () => {
    const operations = loadOperations(path.join(SCHEMA_DIR, 'operations'), (file, error) => {
      throw new Error(`${file}: ${error.message}`);
    });
    expect(operations.map((o) => o.file)).toEqual(
      expect.arrayContaining(['home.graphql', 'catalog.graphql', 'cart.graphql']),
    );
    for (const operation of operations) {
      expect([operation.file, validate(schema, parse(operation.query)).map((e) => e.message)]).toEqual([
        operation.file,
        [],
      ]);
      expect(operation.names.every((n) => /^[A-Z]\w*$/.test(n))).toBe(true);
    }
  });
});

describe('loadOperations', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'operations-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the files in name order, with a variables skeleton for what has no default', () => {
    writeFileSync(path.join(dir, 'b.graphql'), 'query B($id: ID!, $n: Int = 3, $f: Boolean!, $tags: [String!]!) { x }');
    writeFileSync(path.join(dir, 'a.graphql'), 'query A { x } mutation Save { y }');
    writeFileSync(path.join(dir, 'notes.md'), '# not an operation');
    const operations = loadOperations(dir);
    expect(operations.map(({ file, names }) => ({ file, names }))).toEqual([
      { file: 'a.graphql', names: ['A', 'Save'] },
      { file: 'b.graphql', names: ['B'] },
    ]);
    expect(operations[0]!.variables).toBe('');
    expect(JSON.parse(operations[1]!.variables)).toEqual({ id: '', f: false, tags: [] });
  });

  it('leaves out a file that does not parse, and says which', () => {
    writeFileSync(path.join(dir, 'broken.graphql'), 'query {');
    writeFileSync(path.join(dir, 'fine.graphql'), '{ x }');
    const invalid: string[] = [];
    expect(loadOperations(dir, (file) => invalid.push(file)).map((o) => o.file)).toEqual(['fine.graphql']);
    expect(invalid).toEqual(['broken.graphql']);
  });

  it('offers nothing when the directory does not exist', () => {
    expect(loadOperations(path.join(dir, 'missing'))).toEqual([]);
  });
});
