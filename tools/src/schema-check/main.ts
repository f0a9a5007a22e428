/**
 * npm run schema:check [-- options]
 *
 *   --base <ref>         compare the API schema with this Git revision (default: the merge-base
 *                        with main; on main itself, HEAD~1; none there → the diff is skipped)
 *   --base-file <file>   compare with this file instead (a supergraph or an API schema SDL)
 *   --live               also ask each running subgraph for its SDL (<NAME>_URL, <NAME>_SIGNING_SECRET)
 *   --url <name>=<url>   a subgraph's URL for --live (repeatable; overrides <NAME>_URL)
 *   --only <a,b>         run only these checks (composition, supergraph, api-diff, operations, live, events)
 *   --json               the report as JSON on stdout
 *
 * Exit code: 0 every check passed or was skipped, 1 a check failed, 2 the command could not run.
 */
import { parseArgs } from 'node:util';
import { exitCode, formatReport } from '../contracts/check';
import { repositoryRoot } from '../contracts/git';
import { runSchemaCheck, SCHEMA_CHECKS } from './index';

export async function schemaCheckCli(
  argv: string[],
  write: (text: string) => void = (t) => process.stdout.write(t),
): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      base: { type: 'string' },
      'base-file': { type: 'string' },
      live: { type: 'boolean', default: false },
      url: { type: 'string', multiple: true, default: [] },
      only: { type: 'string' },
      json: { type: 'boolean', default: false },
      root: { type: 'string' },
    },
    strict: true,
  });
  const urls: Record<string, string> = {};
  for (const pair of values.url) {
    const match = /^([a-z][a-z0-9-]*)=(\S+)$/.exec(pair);
    if (!match) throw new Error(`--url ${pair}: expected <subgraph>=<url>`);
    urls[match[1]!] = match[2]!;
  }
  const only = values.only?.split(',').map((s) => s.trim());
  const unknown = only?.filter((name) => !SCHEMA_CHECKS.some((c) => c.name === name));
  if (unknown?.length) throw new Error(`--only: unknown check ${unknown.join(', ')}`);
  const report = await runSchemaCheck(
    {
      root: values.root ?? repositoryRoot(process.cwd()),
      ...(values.base ? { base: values.base } : {}),
      ...(values['base-file'] ? { baseFile: values['base-file'] } : {}),
      live: values.live,
      urls,
    },
    only ? SCHEMA_CHECKS.filter((c) => only.includes(c.name)) : SCHEMA_CHECKS,
  );
  write(values.json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report, 'schema:check'));
  return exitCode(report);
}

if (require.main === module) {
  schemaCheckCli(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(`schema:check could not run: ${(error as Error).message}`);
      process.exit(2);
    },
  );
}
