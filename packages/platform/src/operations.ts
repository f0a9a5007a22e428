import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import {
  Kind,
  parse,
  print,
  visit,
  type DefinitionNode,
  type DocumentNode,
  type FragmentDefinitionNode,
  type OperationDefinitionNode,
} from 'graphql';
import { schemaDir } from './schema-files';

/** A named operation of `schema/operations/`, printed with exactly the fragments it uses. */
export interface NamedOperation {
  name: string;
  type: 'query' | 'mutation' | 'subscription';
  /** The operation and its fragments, printed by graphql-js: the text clients send and hash. */
  body: string;
  /** The file it comes from. */
  file: string;
}

/**
 * Every named operation in the `*.graphql` files of `dir` (several per file, fragments shared within
 * a file). Names must be unique across files. The gateway's safelist is made of these, and the
 * services send theirs from here too, so an operation's text exists once.
 */
export function loadNamedOperations(dir: string = path.join(schemaDir(), 'operations')): Map<string, NamedOperation> {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.graphql'))
    .sort();
  return parseNamedOperations(files.map((file) => ({ file, text: readFileSync(path.join(dir, file), 'utf8') })));
}

/** The same from files' texts (schema checks read them from a Git revision too). */
export function parseNamedOperations(files: readonly { file: string; text: string }[]): Map<string, NamedOperation> {
  const byName = new Map<string, NamedOperation>();
  for (const { file, text } of files) {
    let document: DocumentNode;
    try {
      document = parse(text);
    } catch (error) {
      throw new Error(`${file}: ${(error as Error).message}`, { cause: error });
    }
    const fragments = new Map<string, FragmentDefinitionNode>();
    for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
    for (const d of document.definitions) {
      if (d.kind !== Kind.OPERATION_DEFINITION) continue;
      const name = d.name?.value;
      if (!name) throw new Error(`${file}: every persisted operation needs a name`);
      if (byName.has(name)) throw new Error(`${file}: operation ${name} is defined twice`);
      const body = print({ kind: Kind.DOCUMENT, definitions: [d, ...fragmentsUsedBy(d, fragments, file)] });
      byName.set(name, { name, type: d.operation, body, file });
    }
  }
  return byName;
}

function fragmentsUsedBy(
  operation: OperationDefinitionNode,
  fragments: Map<string, FragmentDefinitionNode>,
  file: string,
): DefinitionNode[] {
  const used = new Map<string, FragmentDefinitionNode>();
  const walk = (node: DefinitionNode) =>
    visit(node, {
      FragmentSpread(spread) {
        const name = spread.name.value;
        if (used.has(name)) return;
        const fragment = fragments.get(name);
        if (!fragment) throw new Error(`${file}: fragment ${name} is not defined in the same file`);
        used.set(name, fragment);
        walk(fragment);
      },
    });
  walk(operation);
  return [...used.values()].sort((a, b) => a.name.value.localeCompare(b.name.value));
}

let cached: Map<string, NamedOperation> | undefined;

/** The text of one safelisted operation, for a service sending it through the graph. */
export function graphOperation(name: string): { query: string; operationName: string } {
  cached ??= loadNamedOperations();
  const operation = cached.get(name);
  if (!operation) throw new Error(`schema/operations/ has no operation ${name}`);
  return { query: operation.body, operationName: name };
}
