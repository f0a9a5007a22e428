import path from 'node:path';
import { docPages, extractExamples, pageExamples } from './doc-examples';

const fence = '```';

describe('the examples of a page', () => {
  it('are the marked bash and graphql blocks, each with the answer that follows it', () => {
    const page = [
      '# A page',
      '',
      `${fence}bash example`,
      `curl -s http://127.0.0.1:4000/graphql -d '{"query":"{ __typename }"}'`,
      fence,
      '',
      'It answers:',
      '',
      `${fence}json`,
      '{ "data": { "__typename": "Query" } }',
      fence,
      '',
      `${fence}graphql example`,
      'query {',
      '  me { name }',
      '}',
      fence,
      `${fence}text`,
      'first line',
      '',
      'second line',
      fence,
      '',
      `${fence}bash`,
      'scripts/start',
      fence,
    ].join('\n');
    const { examples, problems } = extractExamples('page.md', page);
    expect(problems).toEqual([]);
    expect(examples).toEqual([
      {
        page: 'page.md',
        line: 3,
        kind: 'bash',
        code: `curl -s http://127.0.0.1:4000/graphql -d '{"query":"{ __typename }"}'`,
        answer: { kind: 'json', value: { data: { __typename: 'Query' } } },
      },
      {
        page: 'page.md',
        line: 13,
        kind: 'graphql',
        code: 'query {\n  me { name }\n}',
        answer: { kind: 'text', lines: ['first line', 'second line'] },
      },
    ]);
  });

  it('keep the code of a block indented under a list item, without the indent', () => {
    const page = [
      '1. Try:',
      '',
      `   ${fence}bash example`,
      `   echo '{"a": 1}'`,
      `   ${fence}`,
      `   ${fence}json`,
      '   { "a": 1 }',
      `   ${fence}`,
    ];
    expect(extractExamples('p.md', page.join('\n')).examples).toMatchObject([
      { code: `echo '{"a": 1}'`, answer: { value: { a: 1 } } },
    ]);
  });

  it('are refused without an answer, with an answer that is not JSON, or of another language', () => {
    const page = [
      `${fence}bash example`,
      'echo 1',
      fence,
      `${fence}bash`,
      'echo 2',
      fence,
      `${fence}graphql example`,
      '{ me { name } }',
      fence,
      `${fence}json`,
      '{ "data": ',
      fence,
      `${fence}yaml example`,
      'a: 1',
      fence,
      `${fence}graphql example`,
      '{ me { name } }',
      fence,
      `${fence}bash example`,
      'echo {}',
      fence,
      `${fence}json`,
      '{}',
      fence,
      `${fence}bash example`,
      'true',
      fence,
      `${fence}text`,
      '',
      fence,
      `${fence}bash example`,
      'echo last',
      fence,
    ].join('\n');
    expect(extractExamples('p.md', page).problems).toEqual([
      'p.md line 1: the example has its answer must be the next block, ```json or ```text (found line 4)',
      expect.stringMatching(/^p\.md line 7: the example has its answer \(line 10\) is not JSON/),
      'p.md line 13: only bash and graphql examples are run, not yaml ones',
      'p.md line 16: the example has its answer must be the next block, ```json or ```text (found line 19)',
      'p.md line 19: the example has an empty answer (line 22): show what it answers',
      'p.md line 25: the example has an empty answer (line 28): show what it prints',
      'p.md line 31: the example has no answer after it (a ```json or ```text block)',
    ]);
  });

  it('leave no GraphQL block and no request to a local Polystore unrun', () => {
    const page = [
      `${fence}graphql`,
      '{ me { name } }',
      fence,
      `${fence}bash`,
      'curl -s http://127.0.0.1:9400/metrics',
      fence,
      `${fence}bash`,
      'curl -s https://example.com/ # not ours: left alone',
      fence,
    ].join('\n');
    expect(extractExamples('p.md', page).problems).toEqual([
      'p.md line 1: a GraphQL block that is not run: make it ```graphql example, with an answer',
      'p.md line 4: a request that is not run: make it ```bash example, with an answer',
    ]);
  });
});

describe("the project's pages", () => {
  const root = path.resolve(__dirname, '..');

  it('are the README and the pages under docs/', () => {
    expect(docPages(root)).toEqual(expect.arrayContaining(['README.md', 'docs/examples.md', 'docs/metrics.md']));
  });

  it.each(docPages(root))('%s: every example is runnable and states its answer', (page) => {
    expect(pageExamples(root, page).problems).toEqual([]);
  });

  it('include a worked example in the README and the long ones in docs/examples.md', () => {
    expect(pageExamples(root, 'README.md').examples.length).toBeGreaterThanOrEqual(4);
    expect(pageExamples(root, 'docs/examples.md').examples.length).toBeGreaterThanOrEqual(4);
  });
});
