/**
 * `npm run schema:check`: the graph's contract, from Git alone. Each check is one entry of
 * SCHEMA_CHECKS with its own verdict; adding one (the events check's loader, a new rule) is adding
 * an entry. See DEVELOPMENT.md, "Changing a schema".
 */
import { runChecks, type Check, type Report } from '../contracts/check';
import { apiDiffCheck } from './api-diff';
import { createContext, type SchemaCheckContext, type SchemaCheckOptions } from './context';
import { eventsCheck } from './events-check';
import { compositionCheck, supergraphCheck } from './graph-checks';
import { liveCheck } from './live-check';
import { operationsCheck } from './operations-check';

export const SCHEMA_CHECKS: readonly Check<SchemaCheckContext>[] = [
  compositionCheck,
  supergraphCheck,
  apiDiffCheck,
  operationsCheck,
  liveCheck,
  eventsCheck(),
];

export function runSchemaCheck(
  options: SchemaCheckOptions,
  checks: readonly Check<SchemaCheckContext>[] = SCHEMA_CHECKS,
): Promise<Report> {
  return runChecks(checks, createContext(options));
}
