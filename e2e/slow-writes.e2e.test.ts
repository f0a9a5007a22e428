import { counterValue } from '@polystore/platform';
import { loadGatewayConfig } from '../gateway/src/config';
import { createGateway, type Gateway } from '../gateway/src/gateway';
import { Browser } from './support/browser';
import { startPolystore, type RunningPolystore } from './support/polystore';
import { slowProxy } from './support/slow-proxy';

// Accounts slow for writes but answering reads at once (what a sign-up burst did to it): behind a
// gateway whose deadline for accounts is shorter than the writes take, every write is reported with
// OUTCOME_UNKNOWN (sent, no answer) and sent once; the breaker, fed by reads only, stays closed, so
// reads of accounts keep succeeding.
let polystore: RunningPolystore;
let proxy: Awaited<ReturnType<typeof slowProxy>>;
let gateway: Gateway;
let url: string;

const isMutation = (body: string) => /"query":"\s*mutation/.test(body);

beforeAll(async () => {
  polystore = await startPolystore();
  proxy = await slowProxy(polystore.subgraphUrls.accounts, 3000, { delays: isMutation });
  gateway = await createGateway(
    loadGatewayConfig({ ...polystore.gatewayEnv, ACCOUNTS_URL: proxy.url, SUBGRAPH_TIMEOUTS: 'accounts=400' }),
  );
  url = `http://127.0.0.1:${(await gateway.listen(0, '127.0.0.1')).port}/graphql`;
});
afterAll(async () => {
  await gateway?.stop();
  await proxy?.close();
  await polystore?.stop();
});

const PASSWORD = 'a long enough secret';
const SIGN_UP = 'mutation($input: SignUpInput!) { signUp(input: $input) { id } }';
const ME = '{ me { id email } }';

describe('a burst of writes that time out at the gateway', () => {
  it('is reported OUTCOME_UNKNOWN, sent once each, and does not open the breaker for reads', async () => {
    // signed in through the first gateway (its sign-in is a write, slow behind the proxy)
    const reader = new Browser(polystore.url);
    const up = await reader.gql(SIGN_UP, { input: { email: 'reader@example.com', name: 'Rea', password: PASSWORD } });
    const readerId = up.data!['signUp'].id as string;
    const signIn = 'mutation($input: SignInInput!) { signIn(input: $input) { user { id } } }';
    expect((await reader.gql(signIn, { input: { email: 'reader@example.com', password: PASSWORD } })).errors).toBe(
      undefined,
    );
    const slow = reader.at(url);
    expect((await slow.gql(ME)).data).toEqual({ me: { id: readerId, email: 'reader@example.com' } });

    const mutationsBefore = proxy.bodies().filter(isMutation).length;
    const writes = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        new Browser(url).gql(SIGN_UP, { input: { email: `slow-${i}@example.com`, name: 'Sy', password: PASSWORD } }),
      ),
    );
    for (const res of writes) {
      expect(res.status).toBe(200);
      expect(res.data).toBeNull();
      expect(res.errors).toHaveLength(1);
      expect(res.errors![0]).toMatchObject({
        message: 'accounts did not answer within 400 ms; the change may or may not have been made',
        path: ['signUp'],
        extensions: { code: 'OUTCOME_UNKNOWN', reason: 'timeout', serviceName: 'accounts' },
      });
    }
    // the gateway never sends a write twice
    expect(proxy.bodies().filter(isMutation).length - mutationsBefore).toBe(12);

    // twelve timeouts in the window would have opened the breaker had they counted: reads still go through
    let failed = 0;
    for (let i = 0; i < 10; i++) {
      const res = await slow.gql(ME);
      if (res.errors || res.data?.['me']?.id !== readerId) failed++;
    }
    expect(failed).toBe(0);
    expect(await counterValue(gateway.metrics.registry, 'subgraph_breaker_state', { subgraph: 'accounts' })).toBe(0);
  });
});
