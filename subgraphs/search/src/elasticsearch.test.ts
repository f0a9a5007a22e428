import { operationOf } from './elasticsearch';

describe('operationOf (the label of an Elasticsearch round trip)', () => {
  it.each([
    ['POST', '/products/_search', 'search'],
    ['POST', '/_bulk', 'bulk'],
    ['POST', '/_aliases', 'aliases'],
    ['PUT', '/_index_template/products', 'index_template'],
    ['HEAD', '/_alias/products', 'alias'],
    ['POST', '/products_v2/_refresh', 'refresh'],
    ['PUT', '/products_v2', 'put_index'],
    ['DELETE', '/products_v1,products_v2', 'delete_index'],
    ['HEAD', '/', 'info'],
  ])('%s %s is %s, never an index name', (method, path, label) => {
    expect(operationOf(method, path)).toBe(label);
  });
});
