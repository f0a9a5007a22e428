import { skip, type Check, type Finding } from '../contracts/check';
import { SUPERGRAPH_FILE, type SchemaCheckContext } from './context';

/** The subgraph SDLs compose; each error names its subgraphs, the element and the composer's message. */
export const compositionCheck: Check<SchemaCheckContext> = {
  name: 'composition',
  title: 'subgraphs compose',
  run(context) {
    const names = context.manifest().subgraphs.map((s) => s.name);
    const result = context.composed();
    if (result.ok) return { findings: [], summary: `${names.length} subgraphs (${names.join(', ')})` };
    return {
      findings: result.problems.map((p): Finding => ({
        severity: 'error',
        kind: p.code,
        element: `${p.subgraphs.length ? `[${p.subgraphs.join(', ')}] ` : ''}${p.element ?? '(schema)'}`,
        message: p.message,
      })),
    };
  },
};

/** The committed supergraph is exactly what the subgraphs compose to (the gateway serves that file). */
export const supergraphCheck: Check<SchemaCheckContext> = {
  name: 'supergraph',
  title: `${SUPERGRAPH_FILE} is what the subgraphs compose to`,
  run(context) {
    const result = context.composed();
    if (!result.ok) return skip('composition failed');
    const committed = context.files.read(SUPERGRAPH_FILE);
    if (committed === result.supergraphSdl) return { findings: [] };
    return {
      findings: [
        {
          severity: 'error',
          kind: 'STALE_SUPERGRAPH',
          element: SUPERGRAPH_FILE,
          message:
            committed === undefined
              ? 'is missing: run `npm run compose` and commit it'
              : 'differs from what the subgraphs compose to: run `npm run compose` and commit it',
          ...(committed !== undefined ? { detail: firstDifference(committed, result.supergraphSdl) } : {}),
        },
      ],
    };
  },
};

function firstDifference(committed: string, composed: string): string {
  const a = committed.split('\n');
  const b = composed.split('\n');
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return `first difference at line ${i + 1}:\n- committed: ${a[i] ?? '(end of file)'}\n+ composed:  ${b[i] ?? '(end of file)'}`;
}
