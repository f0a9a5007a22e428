/**
 * `--live`: each running subgraph serves exactly the SDL of its file. Asked as the gateway asks
 * (`{ _service { sdl } }`, signed with the subgraph's own `<NAME>_SIGNING_SECRET` exactly as the
 * gateway signs, packages/platform/src/gateway-trust.ts), and compared with what
 * @apollo/subgraph serves for the file: the same library, so formatting never differs, only content.
 */
import { buildSubgraphSchema } from '@apollo/subgraph';
import { execute, parse, type DefinitionNode, print } from 'graphql';
import { signRequest } from '@polystore/platform';
import { skip, type Check, type Finding } from '../contracts/check';
import { SCHEMA_DIR, type SchemaCheckContext } from './context';

const SERVICE_QUERY = '{ _service { sdl } }';

/** What a subgraph built from this SDL answers to `_service { sdl }`. */
export async function expectedServedSdl(fileSdl: string): Promise<string> {
  const result = await execute({ schema: buildSubgraphSchema(parse(fileSdl)), document: parse(SERVICE_QUERY) });
  const sdl = (result.data as { _service?: { sdl?: string } } | null | undefined)?._service?.sdl;
  if (typeof sdl !== 'string') throw new Error(`the SDL does not build a subgraph: ${result.errors?.[0]?.message}`);
  return sdl;
}

/** Ask one subgraph for its SDL, signed like the gateway signs. */
export async function fetchServedSdl(url: string, secret: string, timeoutMs = 10_000): Promise<string> {
  const body = JSON.stringify({ query: SERVICE_QUERY });
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...signRequest(secret, body) },
    body,
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`HTTP ${response.status}: ${text.slice(0, 200)}`);
  const json = JSON.parse(text) as { data?: { _service?: { sdl?: string } }; errors?: { message: string }[] };
  const sdl = json.data?._service?.sdl;
  if (typeof sdl !== 'string')
    throw new Error(`no _service.sdl in the answer: ${json.errors?.[0]?.message ?? text.slice(0, 200)}`);
  return sdl;
}

/** The definitions (by kind and name) that one SDL has and the other has not, or has otherwise. */
export function differingDefinitions(expected: string, served: string): string[] {
  const index = (sdl: string) => {
    const byName = new Map<string, string>();
    for (const d of parse(sdl).definitions as DefinitionNode[]) {
      const name = 'name' in d && d.name ? d.name.value : d.kind;
      const key = `${d.kind
        .replace(/Definition|Extension/, '')
        .replace(/([a-z])([A-Z])/g, '$1 $2')
        .toLowerCase()} ${name}`;
      byName.set(key, `${byName.get(key) ?? ''}${print(d)}`);
    }
    return byName;
  };
  const a = index(expected);
  const b = index(served);
  const out: string[] = [];
  for (const [key, text] of a) {
    if (!b.has(key)) out.push(`${key}: in the file, not served`);
    else if (b.get(key) !== text) out.push(`${key}: differs`);
  }
  for (const key of b.keys()) if (!a.has(key)) out.push(`${key}: served, not in the file`);
  return out;
}

export const liveCheck: Check<SchemaCheckContext> = {
  name: 'live',
  title: 'running subgraphs serve their files’ SDL',
  async run(context) {
    if (!context.live) return skip('not asked (--live)');
    const findings: Finding[] = [];
    const subgraphs = context.manifest().subgraphs;
    await Promise.all(
      subgraphs.map(async ({ name }) => {
        const upper = name.toUpperCase();
        const url = context.urls[name] ?? context.env[`${upper}_URL`];
        const secret = context.env[`${upper}_SIGNING_SECRET`];
        const missing = [!url && `${upper}_URL (or --url ${name}=…)`, !secret && `${upper}_SIGNING_SECRET`].filter(
          Boolean,
        );
        if (missing.length) {
          findings.push({
            severity: 'error',
            kind: 'LIVE_UNCONFIGURED',
            element: name,
            message: `needs ${missing.join(' and ')}`,
          });
          return;
        }
        const file = `${SCHEMA_DIR}/${name}.graphql`;
        const expected = await expectedServedSdl(context.files.read(file) ?? '');
        let served: string;
        try {
          served = await fetchServedSdl(url!, secret!);
        } catch (error) {
          findings.push({
            severity: 'error',
            kind: 'LIVE_UNREACHABLE',
            element: name,
            message: `${url} did not answer _service { sdl }: ${(error as Error).message}`,
          });
          return;
        }
        if (served !== expected) {
          findings.push({
            severity: 'error',
            kind: 'SERVED_SDL_DIFFERS',
            element: name,
            message: `${url} serves an SDL that is not ${file}`,
            detail: differingDefinitions(expected, served).join('\n') || 'formatting or order differs',
          });
        }
      }),
    );
    findings.sort((a, b) => (a.element ?? '').localeCompare(b.element ?? ''));
    return { findings, summary: `${subgraphs.length} subgraphs asked` };
  },
};
