/**
 * The runnable examples of the project's pages (README.md and docs/*.md), so that a test can run
 * each one against a real Polystore and hold its answer to what the page shows.
 *
 * A page marks an example in the fence's info string, which GitHub ignores past the language:
 *
 *   ```bash example          a shell script (curl to http://127.0.0.1:4000/graphql, jq, ...)
 *   ```graphql example       one GraphQL operation, sent as one request with the page's session
 *
 * and follows it with its answer, the next fenced block:
 *
 *   ```json                  what the example prints: the answer must contain it (objects by the keys
 *                            shown, arrays element by element) and carry no `errors`
 *   ```text                  every line shown must be a line of what the example prints
 *
 * A GraphQL block or a curl to a local Polystore port that is not marked is a problem: an example
 * nobody runs goes stale.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

export type ExampleAnswer = { kind: 'json'; value: unknown } | { kind: 'text'; lines: string[] };

export interface DocExample {
  /** The page, relative to the repository (README.md, docs/examples.md). */
  page: string;
  /** 1-based line of the example's opening fence. */
  line: number;
  kind: 'bash' | 'graphql';
  code: string;
  answer: ExampleAnswer;
}

interface Fence {
  line: number;
  lang: string;
  words: string[];
  code: string;
}

/** Where local Polystore services listen by default: an example that calls one is run. */
const LOCAL_SERVICE = /https?:\/\/(127\.0\.0\.1|localhost):(4\d\d\d|9[34]\d\d)\b/;

/** A shell block that sends a request to a local Polystore (not one that only names its URL). */
function callsLocalService(code: string): boolean {
  const commands = code
    .split('\n')
    .map((line) => line.replace(/(^|\s)#.*$/, ''))
    .join('\n');
  return /\b(curl|wget)\b/.test(commands) && LOCAL_SERVICE.test(commands);
}

function fences(markdown: string): { fences: Fence[]; problems: string[] } {
  const lines = markdown.split('\n');
  const found: Fence[] = [];
  const problems: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^( *)(`{3,}|~{3,})(.*)$/.exec(lines[i]!);
    if (!open) continue;
    const [, indent, marker, info] = open as unknown as [string, string, string, string];
    const body: string[] = [];
    let j = i + 1;
    const close = new RegExp(`^ {0,${indent.length + 3}}${marker[0]}{${marker.length},}\\s*$`);
    while (j < lines.length && !close.test(lines[j]!)) {
      body.push(lines[j]!.startsWith(indent) ? lines[j]!.slice(indent.length) : lines[j]!.trimStart());
      j++;
    }
    if (j === lines.length) problems.push(`line ${i + 1}: a fenced block that never closes`);
    const words = info.trim().split(/\s+/).filter(Boolean);
    found.push({ line: i + 1, lang: (words[0] ?? '').toLowerCase(), words, code: body.join('\n') });
    i = j;
  }
  return { fences: found, problems };
}

function answerOf(fence: Fence | undefined): ExampleAnswer | string {
  if (!fence) return 'no answer after it (a ```json or ```text block)';
  if (fence.lang === 'text') {
    const lines = fence.code.split('\n').filter((l) => l.trim());
    return lines.length ? { kind: 'text', lines } : `an empty answer (line ${fence.line}): show what it prints`;
  }
  if (fence.lang !== 'json')
    return `its answer must be the next block, \`\`\`json or \`\`\`text (found line ${fence.line})`;
  let value: unknown;
  try {
    value = JSON.parse(fence.code);
  } catch (error) {
    return `its answer (line ${fence.line}) is not JSON: ${(error as Error).message}`;
  }
  // an empty answer would hold the example to nothing
  if (typeof value !== 'object' || value === null || Object.keys(value).length === 0) {
    return `an empty answer (line ${fence.line}): show what it answers`;
  }
  return { kind: 'json', value };
}

/** The examples of one page, and every problem that keeps a block from being run and checked. */
export function extractExamples(page: string, markdown: string): { examples: DocExample[]; problems: string[] } {
  const { fences: all, problems } = fences(markdown);
  const examples: DocExample[] = [];
  for (let i = 0; i < all.length; i++) {
    const fence = all[i]!;
    const runnable = fence.lang === 'bash' || fence.lang === 'graphql';
    if (!fence.words.includes('example')) {
      if (fence.lang === 'graphql') {
        problems.push(
          `line ${fence.line}: a GraphQL block that is not run: make it \`\`\`graphql example, with an answer`,
        );
      } else if (['bash', 'sh', 'shell', 'console'].includes(fence.lang) && callsLocalService(fence.code)) {
        problems.push(`line ${fence.line}: a request that is not run: make it \`\`\`bash example, with an answer`);
      }
      continue;
    }
    if (!runnable) {
      problems.push(
        `line ${fence.line}: only bash and graphql examples are run, not ${fence.lang || 'unlabelled'} ones`,
      );
      continue;
    }
    const answer = answerOf(all[i + 1]);
    if (typeof answer === 'string') {
      problems.push(`line ${fence.line}: the example has ${answer}`);
      continue;
    }
    examples.push({ page, line: fence.line, kind: fence.lang as DocExample['kind'], code: fence.code, answer });
    i++; // the answer is not an example
  }
  return { examples, problems: problems.map((p) => `${page} ${p}`) };
}

/** The pages whose examples are run: README.md and every page directly under docs/ (not the ADRs). */
export function docPages(root: string): string[] {
  const docs = readdirSync(path.join(root, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => `docs/${name}`);
  return ['README.md', ...docs];
}

export function pageExamples(root: string, page: string): { examples: DocExample[]; problems: string[] } {
  return extractExamples(page, readFileSync(path.join(root, page), 'utf8'));
}
