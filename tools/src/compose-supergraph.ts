/**
 * Compose schema/supergraph.graphql from the subgraph SDL in schema/ (npm run compose).
 * With --check, compose in memory and fail if the committed supergraph differs: CI runs this so
 * the file the gateway serves is always exactly what the subgraphs compose to.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { composeServices } from '@apollo/composition';
import { parse } from 'graphql';
import { schemaDir } from '@polystore/platform';

interface Manifest {
  subgraphs: { name: string; url: string }[];
}

export function readManifest(dir = schemaDir()): Manifest {
  return JSON.parse(readFileSync(path.join(dir, 'subgraphs.json'), 'utf8')) as Manifest;
}

export type ComposeResult = { ok: true; supergraphSdl: string; hints: string[] } | { ok: false; errors: string[] };

/** Compose the given subgraph SDLs (name → SDL text) with the URLs from the manifest. */
export function compose(sdlByName: Record<string, string>, manifest: Manifest = readManifest()): ComposeResult {
  const services = manifest.subgraphs.map(({ name, url }) => {
    const sdl = sdlByName[name];
    if (sdl === undefined) throw new Error(`no SDL for subgraph ${name}`);
    return { name, url, typeDefs: parse(sdl) };
  });
  const result = composeServices(services);
  if (result.errors) {
    return { ok: false, errors: result.errors.map((e) => `${e.extensions?.['code'] ?? 'ERROR'}: ${e.message}`) };
  }
  return {
    ok: true,
    supergraphSdl: `${result.supergraphSdl.trimEnd()}\n`,
    hints: result.hints.map((h) => h.toString()),
  };
}

export function composeFromRepository(dir = schemaDir()): ComposeResult {
  const manifest = readManifest(dir);
  const sdl = Object.fromEntries(
    manifest.subgraphs.map(({ name }) => [name, readFileSync(path.join(dir, `${name}.graphql`), 'utf8')]),
  );
  return compose(sdl, manifest);
}

function main(): void {
  const check = process.argv.includes('--check');
  const dir = schemaDir();
  const target = path.join(dir, 'supergraph.graphql');
  const result = composeFromRepository(dir);
  if (!result.ok) {
    console.error(`Composition failed:\n  ${result.errors.join('\n  ')}`);
    process.exit(1);
  }
  for (const hint of result.hints) console.error(`hint: ${hint}`);
  if (check) {
    let committed = '';
    try {
      committed = readFileSync(target, 'utf8');
    } catch {
      /* missing counts as different */
    }
    if (committed !== result.supergraphSdl) {
      console.error(
        'schema/supergraph.graphql is not what the subgraphs compose to. Run `npm run compose` and commit it.',
      );
      process.exit(1);
    }
    console.log('supergraph is up to date');
    return;
  }
  writeFileSync(target, result.supergraphSdl);
  console.log(`wrote ${path.relative(process.cwd(), target)}`);
}

if (require.main === module) main();
