import { buildSchema, parse, validate } from 'graphql';
import { knownOperationTypesRule } from './operation-resolution';

describe('knownOperationTypesRule', () => {
  const schema = buildSchema('type Query { a: Int } type Mutation { b: Int }');
  const errors = (text: string) => validate(schema, parse(text), [knownOperationTypesRule]).map((e) => e.message);

  it('refuses an operation whose type the schema has no root for', () => {
    expect(errors('subscription { a }')).toEqual(['The subscription operation is not supported by the schema.']);
    expect(
      validate(buildSchema('type Query { a: Int }'), parse('mutation { a }'), [knownOperationTypesRule]),
    ).toHaveLength(1);
  });

  it('lets queries and mutations of the schema through', () => {
    expect(errors('query { a } mutation M { b }')).toEqual([]);
  });
});
