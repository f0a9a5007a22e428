import { Progress } from '@polystore/platform';
import type { ObjectRecord, PartRecord, StoreKind } from './manifest';

/** A long step's progress: ticks as rows, documents, keys or tables go by. */
export interface StepProgress {
  tick(n?: number): void;
  finish(): void;
}
export type ProgressFactory = (label: string, total: number) => StepProgress;

/** On stderr: a live line on a terminal, a line every 10 % in a log (packages/platform/src/progress.ts). */
export const stderrProgress: ProgressFactory = (label, total) => new Progress(label, total);

/** What a part's backup wrote: everything of its manifest record but its name. */
export type PartBackup = Pick<PartRecord, 'source' | 'objects' | 'files' | 'details'>;

export interface RestoreOutcome {
  /**
   * What the target must hold at `asOf` (ms since the epoch, the store's clock): the record's
   * objects, less what expired since (Redis keys restored with their expiry time).
   */
  expected(asOf: number): ObjectRecord[];
  notes: string[];
}

/** The objects a target holds, and when they were read. */
export interface Inventory {
  objects: ObjectRecord[];
  asOf: number;
}

/**
 * One store object a service owns, backed up and restored on its own (a PostgreSQL database, the
 * catalog's Mongo database, one Redis key space, the search alias and its indices), so that a
 * restore can target one service.
 */
export interface StorePart {
  readonly id: string;
  readonly service: string;
  readonly store: StoreKind;
  /** Where it lives, for messages: `PostgreSQL database accounts`. */
  readonly where: string;
  /** Write its files under `folder` (paths in the record are relative to it). */
  backup(folder: string, progress: ProgressFactory): Promise<PartBackup>;
  /** What the target holds now, in a few words, or null when it holds nothing (or does not exist). */
  contents(): Promise<string | null>;
  /** Empty the target (drop and create it again, or delete its keys) so that a restore starts clean. */
  clean(): Promise<void>;
  /** Restore into an empty target. */
  restore(folder: string, record: PartRecord, progress: ProgressFactory): Promise<RestoreOutcome>;
  /** The objects as the target holds them now, named and computed as the backup records them. */
  inventory(): Promise<Inventory>;
  close(): Promise<void>;
}
