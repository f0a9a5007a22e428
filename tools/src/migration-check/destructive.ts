/**
 * The steps of a migration that can lose data, found with PostgreSQL's own parser (libpg-query,
 * the real parser compiled to wasm): dropping a table or a column, changing a column's type (a
 * narrowing truncates or refuses rows), truncating or deleting rows.
 */
import { parse } from 'libpg-query';

export interface DestructiveStep {
  action: 'DROP TABLE' | 'DROP COLUMN' | 'ALTER COLUMN TYPE' | 'TRUNCATE' | 'DELETE';
  schema?: string;
  table: string;
  column?: string;
  /** The new type, for a type change (`varchar(10)`). */
  type?: string;
  /** The statement as written in the migration. */
  statement: string;
}

type Node = Record<string, unknown>;
interface RangeVar {
  schemaname?: string;
  relname: string;
}

const names = (list: unknown): string[] =>
  ((list as Node[] | undefined) ?? []).map((n) => String((n['String'] as { sval?: string } | undefined)?.sval ?? ''));

function typeName(def: Node | undefined): string {
  const typeNode = (def?.['ColumnDef'] as Node | undefined)?.['typeName'] as Node | undefined;
  const parts = names(typeNode?.['names']).filter((n) => n !== 'pg_catalog');
  const mods = ((typeNode?.['typmods'] as Node[] | undefined) ?? []).map((m) => {
    const value = (m['A_Const'] as Node | undefined)?.['ival'] as { ival?: number } | undefined;
    return String(value?.ival ?? '?');
  });
  return `${parts.join('.')}${mods.length ? `(${mods.join(',')})` : ''}`;
}

export async function destructiveSteps(sql: string): Promise<DestructiveStep[]> {
  const { stmts } = (await parse(sql)) as unknown as {
    stmts: { stmt: Node; stmt_location?: number; stmt_len?: number }[];
  };
  const steps: DestructiveStep[] = [];
  for (const { stmt, stmt_location: at = 0, stmt_len: len } of stmts) {
    const statement = sql
      .slice(at, len ? at + len : undefined)
      .replace(/^\s*(--[^\n]*\n\s*)*/, '')
      .trim();
    const [kind, body] = Object.entries(stmt)[0] as [string, Node];
    const on = (relation: RangeVar) => ({
      ...(relation.schemaname ? { schema: relation.schemaname } : {}),
      table: relation.relname,
      statement,
    });
    if (kind === 'DropStmt' && body['removeType'] === 'OBJECT_TABLE') {
      for (const object of (body['objects'] as Node[]) ?? []) {
        const parts = names((object['List'] as Node | undefined)?.['items']);
        const table = parts.at(-1)!;
        steps.push({ action: 'DROP TABLE', ...(parts.length > 1 ? { schema: parts[0]! } : {}), table, statement });
      }
    } else if (kind === 'AlterTableStmt' && body['objtype'] === 'OBJECT_TABLE') {
      const relation = body['relation'] as RangeVar;
      for (const cmd of (body['cmds'] as Node[]) ?? []) {
        const c = cmd['AlterTableCmd'] as Node;
        if (c['subtype'] === 'AT_DropColumn') {
          steps.push({ action: 'DROP COLUMN', ...on(relation), column: String(c['name']) });
        } else if (c['subtype'] === 'AT_AlterColumnType') {
          steps.push({
            action: 'ALTER COLUMN TYPE',
            ...on(relation),
            column: String(c['name']),
            type: typeName(c['def'] as Node),
          });
        }
      }
    } else if (kind === 'TruncateStmt') {
      for (const r of (body['relations'] as Node[]) ?? [])
        steps.push({ action: 'TRUNCATE', ...on(r['RangeVar'] as RangeVar) });
    } else if (kind === 'DeleteStmt') {
      steps.push({ action: 'DELETE', ...on(body['relation'] as RangeVar) });
    }
  }
  return steps;
}

/** `<table>` or `<table>.<column>`: how a step is named in reports and acknowledgements. */
export function stepTarget(step: DestructiveStep): string {
  return step.column ? `${step.table}.${step.column}` : step.table;
}
