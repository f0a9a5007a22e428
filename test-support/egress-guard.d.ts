// Types of egress-guard.js (plain CommonJS, so that Node can preload it).

/** One refused attempt to reach a destination that is not loopback. */
export interface EgressAttempt {
  kind: 'connect' | 'udp' | 'lookup' | 'resolve';
  /** `host:port` for connect and udp; the name or address for lookup and resolve. */
  destination: string;
  pid: number;
  /** The program (`gateway/dist/main.js`, `jest worker 2`). */
  program: string;
  at: string;
  /** The caller's first frames. */
  stack: string[];
}

/** Install the guard in this process (once; later calls do nothing). */
export function install(): void;
/** Every attempt this process made and was refused, oldest first. */
export function attempts(): EgressAttempt[];
/** Every attempt recorded under a log directory, by any process. */
export function readLog(dir: string): EgressAttempt[];
/** Attempts as a report a person can act on: each destination once, with who tried and from where. */
export function report(list: EgressAttempt[]): string;
export function isLoopback(host: string): boolean;
/** NODE_OPTIONS that preload the guard into a process, appended to those given. */
export function nodeOptions(existing?: string): string;
/** The code of the error a refused caller gets. */
export const CODE: 'EGRESS_REFUSED';
/** The variable naming the directory where each process appends its attempts (<pid>.jsonl). */
export const LOG_VARIABLE: 'POLYSTORE_EGRESS_LOG';
