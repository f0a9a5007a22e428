import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Kind, parse, type OperationDefinitionNode, type TypeNode, type VariableDefinitionNode } from 'graphql';

/** One file of `schema/operations/`: the storefront's own operations, offered by the explorer. */
export interface StorefrontOperation {
  file: string;
  /** The operations it defines, in order. */
  names: string[];
  query: string;
  /** JSON with a placeholder for every variable the operations need (those without a default). */
  variables: string;
}

function placeholder(type: TypeNode): unknown {
  if (type.kind === Kind.NON_NULL_TYPE) return placeholder(type.type);
  if (type.kind === Kind.LIST_TYPE) return [];
  switch (type.name.value) {
    case 'Int':
    case 'Float':
      return 0;
    case 'Boolean':
      return false;
    case 'String':
    case 'ID':
      return '';
    default:
      return null;
  }
}

function variablesSkeleton(operations: OperationDefinitionNode[]): string {
  const needed: [string, unknown][] = operations
    .flatMap((o) => o.variableDefinitions ?? [])
    .filter((v: VariableDefinitionNode) => !v.defaultValue && v.type.kind === Kind.NON_NULL_TYPE)
    .map((v) => [v.variable.name.value, placeholder(v.type)]);
  return needed.length ? JSON.stringify(Object.fromEntries(needed), null, 2) : '';
}

/**
 * Read every `*.graphql` file of the directory, in name order. A file that does not parse is reported
 * through `onInvalid` and left out: a broken example must not stop the gateway.
 */
export function loadOperations(
  dir: string,
  onInvalid: (file: string, error: Error) => void = () => undefined,
): StorefrontOperation[] {
  if (!existsSync(dir)) return [];
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.graphql'))
    .sort();
  const loaded: StorefrontOperation[] = [];
  for (const file of files) {
    const query = readFileSync(path.join(dir, file), 'utf8');
    try {
      const operations = parse(query).definitions.filter(
        (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
      );
      loaded.push({
        file,
        names: operations.map((o) => o.name?.value ?? 'anonymous'),
        query,
        variables: variablesSkeleton(operations),
      });
    } catch (error) {
      onInvalid(file, error as Error);
    }
  }
  return loaded;
}
