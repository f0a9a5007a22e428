import { readFileSync } from 'node:fs';
import path from 'node:path';
import { subgraphsOf } from './subgraph-config';

describe('subgraphsOf', () => {
  it('lists the subgraphs the committed supergraph joins, with their URLs', () => {
    const sdl = readFileSync(path.join(__dirname, '../../schema/supergraph.graphql'), 'utf8');
    expect(subgraphsOf(sdl)).toEqual([
      { name: 'accounts', url: 'http://127.0.0.1:4001/graphql' },
      { name: 'cart', url: 'http://127.0.0.1:4003/graphql' },
      { name: 'catalog', url: 'http://127.0.0.1:4002/graphql' },
      { name: 'orders', url: 'http://127.0.0.1:4004/graphql' },
      { name: 'payments', url: 'http://127.0.0.1:4005/graphql' },
      { name: 'search', url: 'http://127.0.0.1:4006/graphql' },
    ]);
  });
});
