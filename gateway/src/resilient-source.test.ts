import { GraphQLError } from 'graphql';
import { SubgraphFetchError } from './fetcher';
import { describeFailure, fetchFailureErrors, isQueryOperation } from './resilient-source';

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

describe('describeFailure', () => {
  const query = 'query Q__catalog__0{products{totalCount}}';
  const mutation = 'mutation M__catalog__0{createCategory(input:{slug:"x",name:"X"}){slug}}';
  const timeout = new SubgraphFetchError('catalog', 'timeout', 'catalog did not answer within 2000 ms');

  it('tells a caller of a query only that the subgraph is unavailable, and why', () => {
    expect(describeFailure(timeout, 'catalog', query)).toEqual({
      message: 'catalog did not answer within 2000 ms',
      code: 'SERVICE_UNAVAILABLE',
      reason: 'timeout',
    });
  });

  it('gives a mutation that may have been applied its own code: OUTCOME_UNKNOWN, not SERVICE_UNAVAILABLE', () => {
    expect(describeFailure(timeout, 'catalog', mutation)).toEqual({
      message: 'catalog did not answer within 2000 ms; the change may or may not have been made',
      code: 'OUTCOME_UNKNOWN',
      reason: 'timeout',
    });
    const cutOff = new SubgraphFetchError('catalog', 'unreachable', 'catalog could not be reached (ECONNRESET)');
    expect(describeFailure(cutOff, 'catalog', mutation)).toMatchObject({ code: 'OUTCOME_UNKNOWN' });
    const failed = new SubgraphFetchError('catalog', 'http_5xx', 'catalog answered HTTP 500', { status: 500 });
    expect(describeFailure(failed, 'catalog', mutation)).toMatchObject({ code: 'OUTCOME_UNKNOWN' });
  });

  it('tells the caller of a mutation that was never sent that nothing happened (breaker open, connection refused)', () => {
    const refused = new SubgraphFetchError('catalog', 'unreachable', 'catalog could not be reached (ECONNREFUSED)', {
      neverSent: true,
    });
    const open = new SubgraphFetchError('catalog', 'circuit_open', 'catalog is unavailable (circuit open)', {
      neverSent: true,
    });
    for (const error of [refused, open]) {
      expect(describeFailure(error, 'catalog', mutation)).toEqual({
        message: error.message,
        code: 'SERVICE_UNAVAILABLE',
        reason: error.reason,
      });
    }
  });

  it('reports a 4xx answer as our own fault, not the caller’s', () => {
    const refused = new GraphQLError('401: Unauthorized', { extensions: { response: { status: 401 } } });
    expect(describeFailure(refused, 'catalog', query)).toEqual({
      message: 'catalog refused the request (HTTP 401)',
      code: 'INTERNAL_SERVER_ERROR',
      reason: 'http_401',
    });
  });
});
