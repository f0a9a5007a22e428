import { counterValue, signRequest } from '@polystore/platform';
import { gql, TEST_SIGNING_SECRET } from '../test-support/graphql';
import { operationsServed, startPolystore, type RunningPolystore } from './support/polystore';

// Subgraphs trust only the gateway: anything else is refused with 401 before any GraphQL work.
let polystore: RunningPolystore;

beforeAll(async () => {
  polystore = await startPolystore();
});
afterAll(async () => {
  await polystore?.stop();
});

const OPERATIONS = {
  _service: '{ _service { sdl } }',
  _entities: 'query($r: [_Any!]!) { _entities(representations: $r) { __typename } }',
  'an ordinary field': '{ __typename }',
};

describe.each(['accounts', 'catalog', 'cart', 'orders', 'payments', 'search'] as const)('the %s subgraph', (name) => {
  const subgraph = () => polystore[name];
  const url = () => polystore.subgraphUrls[name];
  const ownSecret = () => `${name}-${TEST_SIGNING_SECRET}`;
  const otherSecret = () => `${name === 'accounts' ? 'catalog' : 'accounts'}-${TEST_SIGNING_SECRET}`;

  async function post(query: string, headers: (body: string) => Record<string, string>) {
    const body = JSON.stringify({ query, variables: { r: [{ __typename: 'Product', id: 'x' }] } });
    const response = await fetch(url(), {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers(body) },
      body,
    });
    return {
      status: response.status,
      body: (await response.json()) as { errors?: { extensions?: { code?: string } }[] },
    };
  }

  it.each(Object.entries(OPERATIONS))(
    'refuses %s without a signature, with another secret, or replayed after 60 s',
    async (_what, query) => {
      const served = await operationsServed(subgraph().metrics);
      const rejected = await counterValue(subgraph().metrics.registry, 'http_rejected_requests_total');
      const attempts = [
        await post(query, () => ({})),
        await post(query, (body) => signRequest(otherSecret(), body)),
        await post(query, (body) => signRequest(ownSecret(), body, undefined, Date.now() - 61_000)),
        await post(query, () => ({
          'x-polystore-identity': 'eyJyb2xlcyI6WyJhZG1pbiJdfQ',
          'x-polystore-timestamp': String(Date.now()),
        })),
      ];
      for (const attempt of attempts) {
        expect(attempt.status).toBe(401);
        expect(attempt.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      }
      expect(await operationsServed(subgraph().metrics)).toBe(served);
      expect((await counterValue(subgraph().metrics.registry, 'http_rejected_requests_total')) - rejected).toBe(
        attempts.length,
      );
    },
  );

  it('answers the same request signed with its own secret', async () => {
    const signed = await post(OPERATIONS['an ordinary field'], (body) => signRequest(ownSecret(), body));
    expect(signed.status).toBe(200);
  });
});

describe('the gateway', () => {
  it('signs its requests, so clients get answers through it', async () => {
    const res = await gql(polystore.url, '{ categories { slug } }');
    expect(res.status).toBe(200);
    expect(res.errors).toBeUndefined();
  });
});
