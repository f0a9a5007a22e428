import { fetchFailureErrors, isQueryOperation } from './resilient-source';

const failure = { message: 'catalog did not answer within 2000 ms', code: 'SERVICE_UNAVAILABLE', reason: 'timeout' };
const extensions = { code: 'SERVICE_UNAVAILABLE', reason: 'timeout' };

describe('isQueryOperation', () => {
  it.each([
    ['query Home__catalog__0{products{edges{node{id}}}}', true],
    ['{products{totalCount}}', true],
    ['  query($representations:[_Any!]!){_entities(representations:$representations){__typename}}', true],
    ['mutation Add__catalog__0($input:CreateProductInput!){createProduct(input:$input){id}}', false],
    ['subscription { x }', false],
    ['queryX { y }', false],
    ['', false],
  ])('%s → %s', (operation, retryable) => {
    expect(isQueryOperation(operation)).toBe(retryable);
  });
});

describe('the errors standing for a failed subgraph fetch', () => {
  it('name every entity of an entity fetch by its index, for the gateway to place', () => {
    const errors = fetchFailureErrors(
      {
        query:
          'query W__catalog__1($representations:[_Any!]!){_entities(representations:$representations){...on Product{name}}}',
        variables: {
          representations: [
            { __typename: 'Product', id: 'a' },
            { __typename: 'Product', id: 'b' },
          ],
        },
      },
      failure,
    );
    expect(errors).toEqual([
      { message: failure.message, path: ['_entities', 0], extensions },
      { message: failure.message, path: ['_entities', 1], extensions },
    ]);
  });

  it('name each root field of a root fetch by its response key, aliases and fragments included', () => {
    const errors = fetchFailureErrors(
      {
        query:
          'query H__catalog__0{__typename cats:categories{name} ...F ... on Query{product(id:"1"){id}}} fragment F on Query{products{totalCount}}',
      },
      failure,
    );
    expect(errors.map((e) => e.path)).toEqual([['cats'], ['products'], ['product']]);
  });

  it('fall back to one error without a path when the operation cannot be read', () => {
    expect(fetchFailureErrors({ query: 'query {' }, failure)).toEqual([{ message: failure.message, extensions }]);
  });
});
