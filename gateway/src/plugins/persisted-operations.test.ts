import { persistedQueryProblem, sha256 } from './persisted-operations';

describe('persistedQueryProblem', () => {
  const query = '{ __typename }';
  const hash = sha256(query);

  it.each([
    ['a hash with its own query', { persistedQuery: { version: 1, sha256Hash: hash } }, query],
    ['a hash alone (an APQ lookup)', { persistedQuery: { version: 1, sha256Hash: hash } }, undefined],
    ['no persisted query', { other: true }, query],
    ['a null persisted query', { persistedQuery: null }, query],
    ['extensions that are not an object (Apollo refuses them itself)', 'x', query],
  ])('finds nothing wrong with %s', (_what, extensions, text) => {
    expect(persistedQueryProblem(text, extensions)).toBeNull();
  });

  it.each([
    [
      'a hash that is not the query’s',
      { persistedQuery: { version: 1, sha256Hash: sha256('{ a }') } },
      query,
      'PERSISTED_QUERY_HASH_MISMATCH',
    ],
    ['version 2', { persistedQuery: { version: 2, sha256Hash: hash } }, query, 'PERSISTED_QUERY_NOT_SUPPORTED'],
    ['no version', { persistedQuery: { sha256Hash: hash } }, undefined, 'PERSISTED_QUERY_NOT_SUPPORTED'],
    ['a string', { persistedQuery: 'x' }, query, 'BAD_REQUEST'],
    ['an array', { persistedQuery: [] }, query, 'BAD_REQUEST'],
    ['a hash that is a number', { persistedQuery: { version: 1, sha256Hash: 5 } }, undefined, 'BAD_REQUEST'],
  ])('refuses %s', (_what, extensions, text, code) => {
    expect(persistedQueryProblem(text, extensions)?.code).toBe(code);
  });
});
