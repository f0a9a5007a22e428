/**
 * Compose schema/supergraph.graphql from the subgraph SDL in schema/ (npm run compose).
 * `npm run schema:check` (tools/src/schema-check/) checks that the committed file is exactly what
 * the subgraphs compose to, with the rest of the graph's contract.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { composeServices } from '@apollo/composition';
import { type GraphQLError, Kind, parse, Source, type DocumentNode } from 'graphql';
import { schemaDir } from '@polystore/platform';

export interface Manifest {
  subgraphs: { name: string; url: string }[];
}

export function readManifest(dir = schemaDir()): Manifest {
  return JSON.parse(readFileSync(path.join(dir, 'subgraphs.json'), 'utf8')) as Manifest;
}

/** One composition error: its code, the subgraphs it involves and the element it is about. */
export interface CompositionProblem {
  code: string;
  message: string;
  subgraphs: string[];
  /** `Type`, `Type.field` or `Type.field(arg:)`, when the error points at one. */
  element?: string;
}

export type ComposeResult =
  | { ok: true; supergraphSdl: string; hints: string[] }
  | { ok: false; errors: string[]; problems: CompositionProblem[] };

/** Compose the given subgraph SDLs (name → SDL text) with the URLs from the manifest. */
export function compose(sdlByName: Record<string, string>, manifest: Manifest = readManifest()): ComposeResult {
  const documents = new Map<string, DocumentNode>();
  const problems: CompositionProblem[] = [];
  for (const { name } of manifest.subgraphs) {
    const sdl = sdlByName[name];
    if (sdl === undefined) throw new Error(`no SDL for subgraph ${name}`);
    try {
      // The subgraph's name as the source name: every error's nodes then say which subgraph.
      documents.set(name, parse(new Source(sdl, name)));
    } catch (error) {
      const e = error as GraphQLError;
      problems.push({ code: 'GRAPHQL_PARSE_FAILED', message: `[${name}] ${e.message}`, subgraphs: [name] });
    }
  }
  if (problems.length) return { ok: false, errors: problems.map(describeProblem), problems };
  const result = composeServices(
    manifest.subgraphs.map(({ name, url }) => ({ name, url, typeDefs: documents.get(name)! })),
  );
  if (result.errors) {
    const found = result.errors.map((e) => problemOf(e, documents));
    return { ok: false, errors: found.map(describeProblem), problems: found };
  }
  return {
    ok: true,
    supergraphSdl: `${result.supergraphSdl.trimEnd()}\n`,
    hints: result.hints.map((h) => h.toString()),
  };
}

function describeProblem(p: CompositionProblem): string {
  return `${p.code}: ${p.message}`;
}

function problemOf(error: GraphQLError, documents: Map<string, DocumentNode>): CompositionProblem {
  const subgraphs = new Set<string>();
  let element: string | undefined;
  for (const node of error.nodes ?? []) {
    const name = node.loc?.source.name;
    if (!name || !documents.has(name)) continue;
    subgraphs.add(name);
    element ??= elementAt(documents.get(name)!, node.loc!.start);
  }
  for (const [, name] of error.message.matchAll(/subgraphs? "([^"]+)"/g))
    if (documents.has(name!)) subgraphs.add(name!);
  // The coordinate the message quotes ("T.x", "T.y(k:)") is the most precise; else where the error points.
  const quoted = /"([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*(?:\([A-Za-z_][A-Za-z0-9_]*:\))?)?)"/.exec(
    error.message,
  )?.[1];
  return {
    code: String(error.extensions?.['code'] ?? 'ERROR'),
    message: error.message,
    subgraphs: [...subgraphs],
    ...(quoted && !documents.has(quoted) ? { element: quoted } : element ? { element } : {}),
  };
}

/** The schema coordinate of the definition, field or argument at a character offset of a document. */
export function elementAt(document: DocumentNode, offset: number): string | undefined {
  const within = (node: { loc?: { start: number; end: number } }) =>
    node.loc !== undefined && node.loc.start <= offset && offset < node.loc.end;
  for (const definition of document.definitions) {
    if (!within(definition) || !('name' in definition) || !definition.name) continue;
    const type = definition.name.value;
    if (definition.kind === Kind.DIRECTIVE_DEFINITION) return `@${type}`;
    const fields = 'fields' in definition ? (definition.fields ?? []) : [];
    for (const field of fields) {
      if (!within(field)) continue;
      const args = 'arguments' in field ? (field.arguments ?? []) : [];
      const arg = args.find(within);
      return arg ? `${type}.${field.name.value}(${arg.name.value}:)` : `${type}.${field.name.value}`;
    }
    const value = 'values' in definition ? (definition.values ?? []).find(within) : undefined;
    return value ? `${type}.${value.name.value}` : type;
  }
  return undefined;
}

export function composeFromRepository(dir = schemaDir()): ComposeResult {
  const manifest = readManifest(dir);
  const sdl = Object.fromEntries(
    manifest.subgraphs.map(({ name }) => [name, readFileSync(path.join(dir, `${name}.graphql`), 'utf8')]),
  );
  return compose(sdl, manifest);
}

function main(): void {
  const dir = schemaDir();
  const target = path.join(dir, 'supergraph.graphql');
  const result = composeFromRepository(dir);
  if (!result.ok) {
    console.error(`Composition failed:\n  ${result.errors.join('\n  ')}`);
    process.exit(1);
  }
  for (const hint of result.hints) console.error(`hint: ${hint}`);
  writeFileSync(target, result.supergraphSdl);
  console.log(`wrote ${path.relative(process.cwd(), target)}`);
}

if (require.main === module) main();
