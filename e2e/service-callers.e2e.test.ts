import { CALLER_HEADER, queryGraph, signRequest } from '@polystore/platform';
import { TEST_SIGNING_SECRET } from '../test-support/graphql';
import { startPolystore, type RunningPolystore } from './support/polystore';

// Polystore's own services read through the gateway as themselves: signed with their own secret,
// they are not one anonymous client address sharing a rate budget with every other call they make.
const QUOTA = 3;
let polystore: RunningPolystore;

beforeAll(async () => {
  polystore = await startPolystore({ gateway: { RATE_LIMIT_POINTS: String(QUOTA), RATE_LIMIT_WINDOW_SECONDS: '60' } });
});
afterAll(async () => {
  await polystore?.stop();
});

const CHECK = {
  query: 'query CartProductStatus($id: ID!) { product(id: $id) { id status } }',
  operationName: 'CartProductStatus',
  variables: { id: '0190a0b0-0000-7000-8000-00000000abcd' },
};

describe('a service calling through the gateway', () => {
  it('is not held to a client address quota', async () => {
    const caller = { service: 'cart', secret: `cart-${TEST_SIGNING_SECRET}` };
    for (let i = 0; i < QUOTA * 4; i++) {
      const data = await queryGraph<{ product: null }>(polystore.url, CHECK, { clientName: 'cart', caller });
      expect(data).toEqual({ product: null });
    }
    // the same address without the service's signature is an ordinary anonymous client
    const statuses: number[] = [];
    for (let i = 0; i < QUOTA + 2; i++) {
      const response = await fetch(polystore.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(CHECK),
      });
      statuses.push(response.status);
    }
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(2);
  });

  it.each([
    ['no signature', () => ({})],
    [
      'another service’s secret',
      (body: string) => signRequest(`catalog-${TEST_SIGNING_SECRET}`, body, { roles: ['service'], service: 'cart' }),
    ],
    [
      'a signature for another service name',
      (body: string) => signRequest(`cart-${TEST_SIGNING_SECRET}`, body, { roles: ['service'], service: 'orders' }),
    ],
    [
      'a user smuggled into the identity',
      (body: string) =>
        signRequest(`cart-${TEST_SIGNING_SECRET}`, body, { roles: ['service'], service: 'cart', userId: 'u1' }),
    ],
  ])('claiming to be a service with %s is refused with 401', async (_what, sign) => {
    const body = JSON.stringify(CHECK);
    const response = await fetch(polystore.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [CALLER_HEADER]: 'cart', ...sign(body) },
      body,
    });
    expect(response.status).toBe(401);
    expect(((await response.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code).toBe(
      'UNAUTHENTICATED',
    );
  });
});
