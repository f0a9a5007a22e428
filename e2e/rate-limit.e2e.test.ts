import { codes } from '../test-support/graphql';
import { Browser } from './support/browser';
import { startPolystore, type RunningPolystore } from './support/polystore';

// Per-session rate limits in the gateway's Redis: a client at twice its quota gets 429s with
// Retry-After, while another client's requests all succeed.
const QUOTA = 20;
let polystore: RunningPolystore;

beforeAll(async () => {
  polystore = await startPolystore({
    gateway: { RATE_LIMIT_POINTS: String(QUOTA), RATE_LIMIT_WINDOW_SECONDS: '30' },
  });
});
afterAll(async () => {
  await polystore?.stop();
});

async function signedInBrowser(email: string): Promise<Browser> {
  const browser = new Browser(polystore.url);
  await browser.gql('mutation($i: SignUpInput!) { signUp(input: $i) { id } }', {
    i: { email, name: 'Sam', password: 'a long enough secret' },
  });
  const res = await browser.gql('mutation($i: SignInInput!) { signIn(input: $i) { user { id } } }', {
    i: { email, password: 'a long enough secret' },
  });
  expect(res.errors).toBeUndefined();
  return browser;
}

describe('rate limiting', () => {
  it('answers 429 with Retry-After to a session at twice its quota; a second session is unaffected', async () => {
    // both from the same address (loopback): signed-in sessions are counted apart
    const greedy = await signedInBrowser('greedy@example.com');
    const polite = await signedInBrowser('polite@example.com');
    const greedyStatuses: number[] = [];
    const politeStatuses: number[] = [];
    let limited: Awaited<ReturnType<Browser['gql']>> | undefined;
    for (let i = 0; i < 2 * QUOTA; i++) {
      const res = await greedy.gql('{ me { id } }');
      greedyStatuses.push(res.status);
      if (res.status === 429) limited = res;
      if (i % 4 === 0) politeStatuses.push((await polite.gql('{ me { id } }')).status);
    }
    // signing up and in were anonymous requests (counted by address): the session's own budget is whole
    expect(greedyStatuses.slice(0, QUOTA).every((s) => s === 200)).toBe(true);
    expect(greedyStatuses.slice(QUOTA).every((s) => s === 429)).toBe(true);
    expect(Number(limited!.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(Number(limited!.headers.get('retry-after'))).toBeLessThanOrEqual(30);
    expect(codes(limited!)).toEqual(['RATE_LIMITED']);
    expect(politeStatuses.every((s) => s === 200)).toBe(true);
    expect(politeStatuses.length).toBe(QUOTA / 2);
  });

  it('counts anonymous callers by address, in the gateway key space', async () => {
    const keys = await polystore.keySpaces.gateway.keys();
    expect(keys.some((k) => k.startsWith(`${polystore.keySpaces.gateway.prefix}rl:req:s:`))).toBe(true);
    expect(keys.some((k) => k.startsWith(`${polystore.keySpaces.gateway.prefix}rl:req:a:`))).toBe(true);
    // new anonymous session ids do not buy a new budget: the address is the key
    const statuses: number[] = [];
    for (let i = 0; i < QUOTA + 5; i++) statuses.push((await new Browser(polystore.url).gql('{ __typename }')).status);
    expect(statuses).toContain(429);
  });
});
