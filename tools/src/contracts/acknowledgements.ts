/**
 * Acknowledged breaking or destructive changes, kept in Git beside what they are about
 * (`schema/changes.acknowledged`, `prisma/changes.acknowledged`). One per line:
 *
 *   <element path> <reason, free text>
 *
 * The path is the element exactly as the check reports it (`Query.legacyField`,
 * `orders/20261205103000_drop_note/orders.note`); the reason is required. `#` starts a comment
 * line; blank lines are ignored. An acknowledgement that matches no current change is reported as
 * unused (it can be deleted once the change has merged), never as a failure.
 */
import type { Finding } from './check';

export interface Acknowledgement {
  element: string;
  reason: string;
  line: number;
}

export interface Acknowledgements {
  file: string;
  entries: Acknowledgement[];
  /** Lines that are not `<path> <reason>`: each is an error finding of the check that reads the file. */
  invalid: Finding[];
  find(element: string): Acknowledgement | undefined;
}

export function parseAcknowledgements(file: string, text: string | undefined): Acknowledgements {
  const entries: Acknowledgement[] = [];
  const invalid: Finding[] = [];
  (text ?? '').split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const match = /^(\S+)\s+(\S.*)$/.exec(line);
    if (!match) {
      invalid.push({
        severity: 'error',
        kind: 'INVALID_ACKNOWLEDGEMENT',
        element: `${file}:${index + 1}`,
        message: `"${line}" is not "<element path> <reason>": every acknowledgement needs a reason`,
      });
      return;
    }
    entries.push({ element: match[1]!, reason: match[2]!, line: index + 1 });
  });
  const byElement = new Map(entries.map((e) => [e.element, e]));
  return { file, entries, invalid, find: (element) => byElement.get(element) };
}

/** Info findings for acknowledgements no change used (the change has merged; the line may go). */
export function unusedAcknowledgements(acks: Acknowledgements, used: ReadonlySet<string>): Finding[] {
  return acks.entries
    .filter((e) => !used.has(e.element))
    .map((e) => ({
      severity: 'info' as const,
      kind: 'UNUSED_ACKNOWLEDGEMENT',
      element: e.element,
      message: `${acks.file}:${e.line} acknowledges a change this diff does not make (once merged, the line may be deleted)`,
    }));
}
