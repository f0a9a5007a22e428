import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runSchemaCheck } from '../tools/src/schema-check';
import { liveCheck } from '../tools/src/schema-check/live-check';
import { SUBGRAPHS, startPolystore, type RunningPolystore } from './support/polystore';

// `schema:check --live` against the whole product started in-process: every subgraph asked for
// its SDL as the gateway asks (signed with its own secret), compared with its file.
const root = path.resolve(__dirname, '..');
let polystore: RunningPolystore;
let changed: string;

beforeAll(async () => {
  polystore = await startPolystore();
  changed = mkdtempSync(path.join(os.tmpdir(), 'polystore-schema-'));
  cpSync(path.join(root, 'schema'), path.join(changed, 'schema'), { recursive: true });
  const cart = path.join(changed, 'schema', 'cart.graphql');
  const sdl = readFileSync(cart, 'utf8');
  const edited = sdl.replace(/\ntype Query \{\n/, '\ntype Query {\n  cartNote: String\n');
  expect(edited).not.toBe(sdl);
  writeFileSync(cart, edited);
}, 120_000);
afterAll(async () => {
  await polystore?.stop();
  rmSync(changed, { recursive: true, force: true });
});

const live = (checkRoot: string) =>
  runSchemaCheck({ root: checkRoot, live: true, urls: polystore.subgraphUrls, env: polystore.gatewayEnv }, [liveCheck]);

describe('schema:check --live against the running product', () => {
  it('passes: every subgraph serves exactly its file in schema/', async () => {
    const report = await live(root);
    expect(report.checks).toEqual([
      expect.objectContaining({
        name: 'live',
        verdict: 'pass',
        findings: [],
        summary: `${SUBGRAPHS.length} subgraphs asked`,
      }),
    ]);
  });

  it('fails, naming the subgraph, when a file is not what that subgraph serves', async () => {
    const report = await live(changed);
    expect(report.verdict).toBe('fail');
    expect(report.checks[0]!.findings).toEqual([
      expect.objectContaining({
        severity: 'error',
        kind: 'SERVED_SDL_DIFFERS',
        element: 'cart',
        message: `${polystore.subgraphUrls.cart} serves an SDL that is not schema/cart.graphql`,
        detail: 'object type Query: differs',
      }),
    ]);
  });
});
