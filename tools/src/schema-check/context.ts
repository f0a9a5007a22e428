/**
 * What every schema check reads, computed once per run: the subgraph SDLs and what they compose
 * to, the API schema, the operations, and the same for the base the change is compared with.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Supergraph } from '@apollo/federation-internals';
import { buildSchema, type GraphQLSchema } from 'graphql';
import { frontDoorEnv } from '@polystore/gateway/dist/http/front-door-config';
import type { OperationLimits } from '@polystore/gateway/dist/plugins/operation-limits';
import { parseNamedOperations, type NamedOperation } from '@polystore/platform';
import { compose, type ComposeResult, type Manifest } from '../compose-supergraph';
import { resolveBase, workingTree, type Base, type FileSource } from '../contracts/git';

export const SCHEMA_DIR = 'schema';
export const OPERATIONS_DIR = 'schema/operations';
export const SUPERGRAPH_FILE = 'schema/supergraph.graphql';
export const MANIFEST_FILE = 'schema/subgraphs.json';

export interface SchemaCheckOptions {
  /** The repository's root folder. */
  root: string;
  /** Compare with this Git revision (default: the merge-base with main). */
  base?: string;
  /** Compare with this file instead: a supergraph or an API schema SDL. */
  baseFile?: string;
  /** Check what the running subgraphs serve (`--live`). */
  live?: boolean;
  /** Subgraph URLs by name (flags); else `<NAME>_URL` from env. */
  urls?: Record<string, string>;
  /** Where `<NAME>_URL`, `<NAME>_SIGNING_SECRET` and the gateway's `MAX_*` limits are read. */
  env?: Record<string, string | undefined>;
}

export type BaseApi = { schema: GraphQLSchema; label: string; operations?: Map<string, NamedOperation> };

export interface SchemaCheckContext {
  root: string;
  files: FileSource;
  env: Record<string, string | undefined>;
  live: boolean;
  urls: Record<string, string>;
  /** The gateway's operation limits, as its configuration parses them from env. */
  limits: OperationLimits;
  manifest(): Manifest;
  composed(): ComposeResult;
  /** The API schema clients see (from the composed supergraph), or undefined when composition fails. */
  api(): GraphQLSchema | undefined;
  /** The base's API schema and operations, or why there is none. */
  base(): BaseApi | { skipped: string };
  /** The base's files, when the base is a Git revision. */
  baseFiles(): FileSource | undefined;
  operations(): Map<string, NamedOperation>;
}

const once = <T>(compute: () => T): (() => T) => {
  let value: { v: T } | undefined;
  return () => (value ??= { v: compute() }).v;
};

/** The API schema of a supergraph SDL: what the gateway serves (no join/link machinery, no @inaccessible). */
export function apiSchemaOf(supergraphSdl: string): GraphQLSchema {
  return Supergraph.build(supergraphSdl).apiSchema().toGraphQLJSSchema();
}

export function readManifestFrom(files: FileSource): Manifest {
  const text = files.read(MANIFEST_FILE);
  if (text === undefined) throw new Error(`${MANIFEST_FILE} is missing (${files.label})`);
  return JSON.parse(text) as Manifest;
}

export function composeFrom(files: FileSource, manifest = readManifestFrom(files)): ComposeResult {
  const sdl: Record<string, string> = {};
  for (const { name } of manifest.subgraphs) {
    const text = files.read(`${SCHEMA_DIR}/${name}.graphql`);
    if (text === undefined) throw new Error(`${SCHEMA_DIR}/${name}.graphql is missing (${files.label})`);
    sdl[name] = text;
  }
  return compose(sdl, manifest);
}

export function operationsFrom(files: FileSource): Map<string, NamedOperation> {
  return parseNamedOperations(
    files
      .list(OPERATIONS_DIR)
      .filter((f) => f.endsWith('.graphql'))
      .map((file) => ({ file: `${OPERATIONS_DIR}/${file}`, text: files.read(`${OPERATIONS_DIR}/${file}`) ?? '' })),
  );
}

export function gatewayLimits(env: Record<string, string | undefined>): OperationLimits {
  return {
    maxDepth: frontDoorEnv.MAX_DEPTH.parse(env['MAX_DEPTH']),
    maxAliases: frontDoorEnv.MAX_ALIASES.parse(env['MAX_ALIASES']),
    maxTokens: frontDoorEnv.MAX_TOKENS.parse(env['MAX_TOKENS']),
    maxDirectives: frontDoorEnv.MAX_DIRECTIVES.parse(env['MAX_DIRECTIVES']),
    maxRootFields: frontDoorEnv.MAX_ROOT_FIELDS.parse(env['MAX_ROOT_FIELDS']),
    maxCost: frontDoorEnv.MAX_COST.parse(env['MAX_COST']),
    fieldSuggestions: false,
  };
}

/** A base given as a file: a supergraph (has the join spec) or a plain API schema SDL. */
function baseFromFile(file: string): BaseApi {
  const text = readFileSync(file, 'utf8');
  const schema = /specs\.apollo\.dev\/join\//.test(text) ? apiSchemaOf(text) : buildSchema(text);
  return { schema, label: path.basename(file) };
}

function baseFromRevision(base: Base): BaseApi | { skipped: string } {
  if ('skipped' in base) return base;
  const files = base.source;
  const composed = composeFrom(files);
  let supergraph: string;
  if (composed.ok) supergraph = composed.supergraphSdl;
  else {
    // A base that did not compose still had a committed supergraph: the API clients were served.
    const committed = files.read(SUPERGRAPH_FILE);
    if (committed === undefined)
      throw new Error(`the base (${files.label}) neither composes nor has ${SUPERGRAPH_FILE}`);
    supergraph = committed;
  }
  let operations: Map<string, NamedOperation> | undefined;
  try {
    operations = operationsFrom(files);
  } catch {
    operations = undefined; // the base's own operations only give costs to compare with
  }
  return { schema: apiSchemaOf(supergraph), label: files.label, ...(operations ? { operations } : {}) };
}

export function createContext(options: SchemaCheckOptions): SchemaCheckContext {
  const files = workingTree(options.root);
  const env = options.env ?? process.env;
  const manifest = once(() => readManifestFrom(files));
  const composed = once(() => composeFrom(files, manifest()));
  const api = once(() => {
    const result = composed();
    return result.ok ? apiSchemaOf(result.supergraphSdl) : undefined;
  });
  const revision = once(() => (options.baseFile ? undefined : resolveBase(options.root, options.base)));
  const base = once(() =>
    options.baseFile ? baseFromFile(path.resolve(options.root, options.baseFile)) : baseFromRevision(revision()!),
  );
  return {
    root: options.root,
    files,
    env,
    live: options.live ?? false,
    urls: options.urls ?? {},
    limits: gatewayLimits(env),
    manifest,
    composed,
    api,
    base,
    baseFiles: () => {
      const r = revision();
      return r && !('skipped' in r) ? r.source : undefined;
    },
    operations: once(() => operationsFrom(files)),
  };
}
