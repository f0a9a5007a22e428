import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { docPages, pageExamples, type DocExample } from '../test-support/doc-examples';
import { DEFAULT_SAMPLE_SIZE } from '../tools/src/sample-data';
import { startPolystore, type RunningPolystore } from './support/polystore';
import { loadSampleStore } from './support/sample-store';

// Every example of the README and of the pages under docs/ (test-support/doc-examples.ts says how a
// page marks one), run as a reader runs it — bash and curl (and jq) against the product, on the
// sample store that scripts/start loads (the default size: the same users and products the pages
// name) — and held to the answer the page shows. The pages' URLs are the local defaults
// (http://127.0.0.1:4000, the metrics ports 9400...); this test puts the ports of its own
// in-process Polystore in their place, and each page's files (/tmp/...: cookie jars, saved answers)
// into a directory of its own.
const ROOT = path.resolve(__dirname, '..');
const DEFAULT_PORTS = {
  gateway: 4000,
  accounts: 4001,
  catalog: 4002,
  cart: 4003,
  orders: 4004,
  payments: 4005,
  search: 4006,
};

let polystore: RunningPolystore;

beforeAll(async () => {
  polystore = await startPolystore();
  await loadSampleStore(polystore, DEFAULT_SAMPLE_SIZE);
}, 300_000);

afterAll(async () => {
  await polystore?.stop();
});

/** The page's local URLs, pointed at this test's Polystore (in one pass); /tmp/ at the page's own directory. */
function localize(code: string, dir: string): string {
  const origin = (url: string) => new URL(url).origin;
  const origins = new Map<number, string>();
  for (const [name, port] of Object.entries(DEFAULT_PORTS)) {
    const service = name as keyof typeof DEFAULT_PORTS;
    origins.set(port, origin(service === 'gateway' ? polystore.url : polystore.subgraphUrls[service]));
    origins.set(port + 5400, origin(polystore.metricsUrls[service]));
  }
  return code
    .replace(/\b(?:127\.0\.0\.1|localhost):(\d+)\b/g, (address, port: string) => {
      const ours = origins.get(Number(port));
      // nothing may reach a Polystore this test did not start (a developer's own may be running)
      if (!ours) throw new Error(`the example calls ${address}, which is none of the local defaults`);
      return ours.replace(/^http:\/\//, '');
    })
    .replaceAll('/tmp/', `${dir}/`);
}

function bash(script: string, cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  // async: the Polystore answering it runs in this very process
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-euo', 'pipefail', '-c', script], {
      cwd,
      env: { PATH: process.env['PATH'], HOME: cwd, LANG: 'C.UTF-8' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** A GraphQL block is one request, sent with the page's session (the cookie jar its curl examples use). */
function graphqlRequest(example: DocExample, dir: string): string {
  const body = `request-${example.line}.json`;
  writeFileSync(path.join(dir, body), JSON.stringify({ query: example.code }));
  return `curl -s http://127.0.0.1:4000/graphql -b /tmp/polystore.cookies -c /tmp/polystore.cookies -H 'content-type: application/json' --data-binary @${body}`;
}

async function run(example: DocExample, dir: string): Promise<string> {
  const script = localize(example.kind === 'graphql' ? graphqlRequest(example, dir) : example.code, dir);
  const result = await bash(script, dir);
  if (result.code !== 0) {
    throw new Error(`${example.page}:${example.line} exited ${result.code}\n${result.stderr}\n${result.stdout}`);
  }
  return result.stdout;
}

describe.each(docPages(ROOT))('the examples of %s', (page) => {
  const { examples, problems } = pageExamples(ROOT, page);
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'polystore-docs-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('are all runnable, each with its answer', () => {
    expect(problems).toEqual([]);
  });

  // in the page's order: a later example may use the session or a file an earlier one left
  if (examples.length === 0) return;
  it.each(examples.map((e) => [`line ${e.line} (${e.kind})`, e] as const))(
    '%s answers as the page says',
    async (_, example) => {
      const stdout = await run(example, dir);
      if (example.answer.kind === 'text') {
        const lines = stdout.split('\n').map((l) => l.trim());
        expect(example.answer.lines.filter((l) => !lines.includes(l.trim()))).toEqual([]);
        return;
      }
      let answer: unknown;
      try {
        answer = JSON.parse(stdout);
      } catch {
        throw new Error(`${page}:${example.line} printed no JSON:\n${stdout}`);
      }
      expect((answer as { errors?: unknown }).errors).toBeUndefined();
      expect(answer).toMatchObject(example.answer.value as object);
    },
  );
});
