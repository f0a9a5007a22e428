import { codes, gql } from '../test-support/graphql';
import { startPolystore, type RunningPolystore } from './support/polystore';

// The gateway in production mode (subgraphs left in test mode, which do send stack traces): no
// introspection, no field suggestions, internal errors masked with their path kept. Ad hoc
// operations are allowed here (PERSISTED_OPERATIONS=apq) so those checks can be reached;
// persisted-operations.e2e.test.ts covers the production safelist.
let polystore: RunningPolystore;

beforeAll(async () => {
  polystore = await startPolystore({
    gateway: { NODE_ENV: 'production', COOKIE_SECURE: 'true', PERSISTED_OPERATIONS: 'apq' },
  });
});
afterAll(async () => {
  await polystore?.stop();
});

describe('in production mode', () => {
  it('refuses introspection', async () => {
    for (const query of ['{ __schema { queryType { name } } }', '{ __type(name: "User") { fields { name } } }']) {
      const res = await gql(polystore.url, query);
      expect(res.status).toBe(400);
      expect(codes(res)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
      expect(res.errors![0]!.message).toMatch(/introspection is not allowed/i);
    }
  });

  it('gives no field suggestions', async () => {
    const res = await gql(polystore.url, '{ categorie { slug } }');
    expect(codes(res)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(res.errors![0]!.message).toMatch(/Cannot query field "categorie"/);
    expect(res.errors![0]!.message).not.toMatch(/Did you mean|"categories"/);
  });

  it('sets the session cookies Secure with the __Host- prefix', async () => {
    const response = await fetch(polystore.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ me { id } }' }),
    });
    expect(response.headers.getSetCookie()[0]).toMatch(
      /^__Host-ps_session=[0-9a-f-]{36}; .*; HttpOnly; Secure; SameSite=Lax$/,
    );
  });

  it('answers 404 for /metrics on the client port and serves them on its metrics port, on loopback', async () => {
    const onClientPort = await fetch(new URL('/metrics', polystore.url));
    expect(onClientPort.status).toBe(404);
    expect(await onClientPort.text()).not.toMatch(/subgraph_fetch|graphql_operation/);
    expect((await fetch(new URL('/healthz', polystore.url))).status).toBe(200);
    expect(polystore.gateway.http.metricsAddress()).toMatchObject({ address: '127.0.0.1' });
    const metrics = await fetch(polystore.metricsUrls.gateway);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toMatch(/^subgraph_breaker_state\{[^}]*subgraph="accounts"/m);
  });

  it('keeps coded errors (message, code, path) and never shows a stack', async () => {
    const res = await gql(polystore.url, 'mutation { signOutEverywhere }');
    expect(res.errors).toEqual([
      { message: 'Sign in first', path: ['signOutEverywhere'], extensions: { code: 'UNAUTHENTICATED' } },
    ]);
  });

  it('masks an error thrown inside a resolver: "Internal server error", its path, no stack', async () => {
    // a key of the wrong type where sign-in counts attempts for this email: Redis answers WRONGTYPE,
    // a fault of the service's data, not an outage (that would be SERVICE_UNAVAILABLE)
    const { redis, prefix } = polystore.keySpaces.accounts;
    await redis.hset(`${prefix}rl:signin:email:broken@example.com`, 'not', 'a counter');
    const res = await gql(polystore.url, 'mutation($i: SignInInput!) { signIn(input: $i) { user { id } } }', {
      i: { email: 'broken@example.com', password: 'whatever it is' },
    });
    expect(res.errors).toHaveLength(1);
    const [error] = res.errors!;
    expect(error!.message).toBe('Internal server error');
    expect(error!.path).toEqual(['signIn']);
    expect(error!.extensions).toEqual({ code: 'INTERNAL_SERVER_ERROR' });
    expect(JSON.stringify(res)).not.toMatch(/stacktrace|WRONGTYPE|\.ts:\d+/);
  });
});
