/**
 * Versioned store definitions outside PostgreSQL, each with a record of what every version
 * contained (a SHA-256 per version, kept in Git beside it), so a changed definition without a new
 * version fails, as an edited Prisma migration does:
 *
 *   catalog (MongoDB)  subgraphs/catalog/src/migrations/NNNN-<name>.migration.ts, one file per
 *                      version, hashed as written; recorded in versions.json beside them
 *   search (ES)        subgraphs/search/index/products.template.json (its `version`), hashed as
 *                      canonical JSON without `version`, and its mappings without
 *                      `_meta.schemaVersion`; recorded in products.template.versions.json
 *
 * `npm run migrate -- record` adds the record of a new version; it never rewrites a recorded one.
 */
import { createHash } from 'node:crypto';
import type { Finding } from '../contracts/check';
import type { FileSource } from '../contracts/git';

export const MONGO_DIR = 'subgraphs/catalog/src/migrations';
export const MONGO_RECORD = `${MONGO_DIR}/versions.json`;
export const TEMPLATE_FILE = 'subgraphs/search/index/products.template.json';
export const TEMPLATE_RECORD = 'subgraphs/search/index/products.template.versions.json';
const MONGO_FILE = /^(\d{4})-([a-z0-9]+(?:-[a-z0-9]+)*)\.migration\.ts$/;

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** JSON with its keys sorted: formatting and key order never change a hash. */
export function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

// --- catalog's Mongo migrations --------------------------------------------------------------------

export interface MongoVersion {
  version: number;
  name: string;
  file: string;
  sha256: string;
}
type MongoRecord = Record<string, { name: string; sha256: string }>;

export function mongoVersions(files: FileSource): MongoVersion[] {
  const out: MongoVersion[] = [];
  for (const entry of files.list(MONGO_DIR)) {
    const match = MONGO_FILE.exec(entry);
    if (!match) continue;
    const file = `${MONGO_DIR}/${entry}`;
    out.push({
      version: Number(match[1]),
      name: match[2]!,
      file,
      sha256: sha256((files.read(file) ?? '').replace(/\r\n/g, '\n')),
    });
  }
  return out.sort((a, b) => a.version - b.version);
}

function readRecord<T>(files: FileSource, file: string, findings: Finding[]): T | undefined {
  const text = files.read(file);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    findings.push({ severity: 'error', kind: 'INVALID_RECORD', element: file, message: (error as Error).message });
    return undefined;
  }
}

/**
 * @param declared the versions the runner applies (catalogMigrations), when known: each must be a
 *                 file of its own, or its content could change unseen.
 */
export function checkMongoVersions(files: FileSource, base: FileSource | undefined, declared?: number[]): Finding[] {
  const findings: Finding[] = [];
  const versions = mongoVersions(files);
  const record = readRecord<MongoRecord>(files, MONGO_RECORD, findings) ?? {};
  for (const v of versions) {
    const recorded = record[String(v.version)];
    const element = `catalog@${v.version}`;
    if (!recorded) {
      findings.push({
        severity: 'error',
        kind: 'UNRECORDED_VERSION',
        element,
        message: `${v.file} is not recorded in ${MONGO_RECORD}: run \`npm run migrate -- record\``,
      });
    } else if (recorded.sha256 !== v.sha256 || recorded.name !== v.name) {
      findings.push({
        severity: 'error',
        kind: 'CHANGED_WITHOUT_NEW_VERSION',
        element,
        message: `${v.file} changed after version ${v.version} was recorded: restore it and add the change as version ${(versions.at(-1)?.version ?? 0) + 1}`,
      });
    }
  }
  for (const version of Object.keys(record)) {
    if (!versions.some((v) => String(v.version) === version)) {
      findings.push({
        severity: 'error',
        kind: 'MISSING_VERSION',
        element: `catalog@${version}`,
        message: `recorded in ${MONGO_RECORD} but no ${MONGO_DIR}/${version.padStart(4, '0')}-*.migration.ts`,
      });
    }
  }
  versions.forEach((v, i) => {
    if (v.version !== i + 1)
      findings.push({
        severity: 'error',
        kind: 'VERSION_GAP',
        element: `catalog@${v.version}`,
        message: `versions must run 1, 2, 3… (${i + 1} is missing)`,
      });
  });
  for (const version of declared ?? []) {
    if (!versions.some((v) => v.version === version)) {
      findings.push({
        severity: 'error',
        kind: 'UNVERSIONED_MIGRATION',
        element: `catalog@${version}`,
        message: `catalogMigrations has version ${version} but no ${MONGO_DIR}/${String(version).padStart(4, '0')}-<name>.migration.ts holds it: its content cannot be versioned`,
      });
    }
  }
  findings.push(
    ...rewrittenHistory(
      readRecord<MongoRecord>(base ?? files, MONGO_RECORD, []),
      record,
      MONGO_RECORD,
      'catalog',
      base,
    ),
  );
  return findings;
}

/** A version recorded at the base keeps its record: history is never rewritten. */
function rewrittenHistory(
  before: Record<string, unknown> | undefined,
  now: Record<string, unknown>,
  file: string,
  store: string,
  base: FileSource | undefined,
): Finding[] {
  if (!base || !before) return [];
  return Object.entries(before)
    .filter(([version, entry]) => canonical(now[version]) !== canonical(entry))
    .map(([version]) => ({
      severity: 'error' as const,
      kind: 'RECORD_REWRITTEN',
      element: `${store}@${version}`,
      message: `${file}: version ${version} was recorded differently at ${base.label}; a recorded version never changes — add a new one`,
    }));
}

export function recordMongoVersions(files: FileSource): { record: MongoRecord; added: number[]; refused: Finding[] } {
  const findings: Finding[] = [];
  const record = readRecord<MongoRecord>(files, MONGO_RECORD, findings) ?? {};
  const added: number[] = [];
  for (const v of mongoVersions(files)) {
    if (record[String(v.version)]) continue;
    record[String(v.version)] = { name: v.name, sha256: v.sha256 };
    added.push(v.version);
  }
  return { record, added, refused: findings };
}

// --- search's index template -----------------------------------------------------------------------

interface TemplateEntry {
  sha256: string;
  mappings: string;
  schemaVersion: number | null;
}
type TemplateRecord = Record<string, TemplateEntry>;

interface Template {
  version?: number;
  template?: { mappings?: { _meta?: { schemaVersion?: number } } & Record<string, unknown> };
  [key: string]: unknown;
}

export function templateEntry(template: Template): { version: number | undefined; entry: TemplateEntry } {
  const { version, ...content } = template;
  const mappings = { ...(template.template?.mappings ?? {}) };
  const schemaVersion = mappings._meta?.schemaVersion ?? null;
  if (mappings._meta) {
    const { schemaVersion: _omit, ...meta } = mappings._meta;
    mappings._meta = meta;
  }
  return {
    version,
    entry: { sha256: sha256(canonical(content)), mappings: sha256(canonical(mappings)), schemaVersion },
  };
}

export function checkTemplateVersions(files: FileSource, base: FileSource | undefined): Finding[] {
  const findings: Finding[] = [];
  const template = readRecord<Template>(files, TEMPLATE_FILE, findings);
  if (!template) return findings;
  const record = readRecord<TemplateRecord>(files, TEMPLATE_RECORD, findings) ?? {};
  const { version, entry } = templateEntry(template);
  const element = `search template@${version ?? '?'}`;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) {
    return [
      ...findings,
      { severity: 'error', kind: 'NO_VERSION', element, message: `${TEMPLATE_FILE} needs an integer "version" ≥ 1` },
    ];
  }
  const recorded = record[String(version)];
  const previous = Object.keys(record)
    .map(Number)
    .filter((v) => v < version)
    .sort((a, b) => b - a)[0];
  if (!recorded) {
    findings.push({
      severity: 'error',
      kind: 'UNRECORDED_VERSION',
      element,
      message: `version ${version} of ${TEMPLATE_FILE} is not recorded in ${TEMPLATE_RECORD}: run \`npm run migrate -- record\``,
    });
  } else if (recorded.sha256 !== entry.sha256) {
    findings.push({
      severity: 'error',
      kind: 'CHANGED_WITHOUT_NEW_VERSION',
      element,
      message: `${TEMPLATE_FILE} changed but its version is still ${version}: raise "version"${recorded.mappings !== entry.mappings ? ' and, as the mappings changed, mappings._meta.schemaVersion' : ''}`,
    });
  }
  const before = previous !== undefined ? record[String(previous)] : undefined;
  if (before && before.mappings !== entry.mappings && before.schemaVersion === entry.schemaVersion) {
    findings.push({
      severity: 'error',
      kind: 'MAPPINGS_CHANGED_WITHOUT_SCHEMA_VERSION',
      element,
      message: `the mappings differ from version ${previous}'s but mappings._meta.schemaVersion is still ${entry.schemaVersion}: raise it (npm run reindex then builds a new index)`,
    });
  }
  findings.push(
    ...rewrittenHistory(
      readRecord<TemplateRecord>(base ?? files, TEMPLATE_RECORD, []),
      record,
      TEMPLATE_RECORD,
      'search template',
      base,
    ),
  );
  return findings;
}

export function recordTemplateVersion(files: FileSource): {
  record: TemplateRecord;
  added: number[];
  refused: Finding[];
} {
  const refused: Finding[] = [];
  const template = readRecord<Template>(files, TEMPLATE_FILE, refused);
  const record = readRecord<TemplateRecord>(files, TEMPLATE_RECORD, refused) ?? {};
  if (!template) return { record, added: [], refused };
  const { version, entry } = templateEntry(template);
  if (typeof version !== 'number') return { record, added: [], refused };
  const recorded = record[String(version)];
  if (recorded) {
    if (recorded.sha256 !== entry.sha256) {
      refused.push({
        severity: 'error',
        kind: 'CHANGED_WITHOUT_NEW_VERSION',
        element: `search template@${version}`,
        message: `version ${version} is recorded with other content: raise "version" first`,
      });
    }
    return { record, added: [], refused };
  }
  record[String(version)] = entry;
  return { record, added: [version], refused };
}
