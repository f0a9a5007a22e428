import { GitRepo } from '../../../test-support/git-repo';
import type { Finding } from '../contracts/check';
import { resolveBase, workingTree } from '../contracts/git';
import {
  checkMongoVersions,
  checkTemplateVersions,
  MONGO_DIR,
  MONGO_RECORD,
  recordMongoVersions,
  recordTemplateVersion,
  TEMPLATE_FILE,
  TEMPLATE_RECORD,
} from './versions';

// Catalog's Mongo migrations and search's index template in a scratch repository: `main` holds
// version 1 of each, recorded; each test branches off and changes them.
const repo = new GitRepo();
const FIRST = `${MONGO_DIR}/0001-products.migration.ts`;
const MIGRATION = `export const migration = { version: 1, name: 'products', async up(db) {
  await db.collection('products').createIndexes([{ key: { sku: 1 }, name: 'sku_unique', unique: true }]);
} };
`;
const TEMPLATE = {
  version: 1,
  priority: 200,
  template: {
    settings: { number_of_shards: 1 },
    mappings: { dynamic: 'strict', _meta: { schemaVersion: 1 }, properties: { name: { type: 'text' } } },
  },
};

function record(): void {
  const files = workingTree(repo.root);
  const mongo = recordMongoVersions(files);
  const template = recordTemplateVersion(files);
  expect([...mongo.refused, ...template.refused]).toEqual([]);
  repo.write(MONGO_RECORD, JSON.stringify(mongo.record, null, 2));
  repo.write(TEMPLATE_RECORD, JSON.stringify(template.record, null, 2));
}

/** Commit what the test changed and check it against the merge-base with main. */
function findings(declared?: number[]): Finding[] {
  repo.commit('change');
  const base = resolveBase(repo.root);
  expect(base).toMatchObject({ ref: 'main' });
  const source = 'skipped' in base ? undefined : base.source;
  const files = workingTree(repo.root);
  return [...checkMongoVersions(files, source, declared), ...checkTemplateVersions(files, source)];
}
const kinds = (list: Finding[]) => list.map((f) => [f.kind, f.element]);

beforeAll(() => {
  repo.write(FIRST, MIGRATION).write(TEMPLATE_FILE, JSON.stringify(TEMPLATE, null, 2));
  record();
  repo.commit('version 1 of each');
});
afterAll(() => repo.dispose());
let n = 0;
beforeEach(() => repo.branch(`change-${++n}`));

describe('Mongo migrations and the search template, versioned by content', () => {
  it('pass as recorded, also when the template is only reformatted', () => {
    repo.write(TEMPLATE_FILE, JSON.stringify(TEMPLATE));
    expect(findings([1])).toEqual([]);
  });

  it('fail a changed Mongo index without a new version', () => {
    repo.edit(FIRST, "name: 'sku_unique', unique: true", "name: 'sku_unique'");
    expect(kinds(findings())).toEqual([['CHANGED_WITHOUT_NEW_VERSION', 'catalog@1']]);
    expect(findings()[0]!.message).toContain('restore it and add the change as version 2');
  });

  it('fail a new Mongo version until it is recorded, then pass', () => {
    repo.write(`${MONGO_DIR}/0002-stock.migration.ts`, MIGRATION.replace('sku', 'stock'));
    expect(kinds(findings([1, 2]))).toEqual([['UNRECORDED_VERSION', 'catalog@2']]);
    record();
    expect(findings([1, 2])).toEqual([]);
  });

  it('fail a migration the runner declares that has no versioned file of its own', () => {
    expect(kinds(findings([1, 2]))).toEqual([['UNVERSIONED_MIGRATION', 'catalog@2']]);
  });

  it('fail a changed template without a raised version, naming the mappings when they changed', () => {
    const changed = structuredClone(TEMPLATE);
    changed.template.mappings.properties = {
      ...changed.template.mappings.properties,
      sku: { type: 'keyword' },
    } as never;
    repo.write(TEMPLATE_FILE, JSON.stringify(changed));
    const found = findings();
    expect(kinds(found)).toEqual([['CHANGED_WITHOUT_NEW_VERSION', 'search template@1']]);
    expect(found[0]!.message).toContain('raise "version" and, as the mappings changed, mappings._meta.schemaVersion');
  });

  it('fail changed mappings under a raised version but the same schemaVersion; pass with both raised', () => {
    const changed = structuredClone(TEMPLATE);
    changed.version = 2;
    changed.template.mappings.properties = {
      ...changed.template.mappings.properties,
      sku: { type: 'keyword' },
    } as never;
    repo.write(TEMPLATE_FILE, JSON.stringify(changed));
    record();
    expect(kinds(findings())).toEqual([['MAPPINGS_CHANGED_WITHOUT_SCHEMA_VERSION', 'search template@2']]);

    changed.template.mappings._meta.schemaVersion = 2;
    repo.write(TEMPLATE_FILE, JSON.stringify(changed));
    const records = JSON.parse(repo.read(TEMPLATE_RECORD)) as Record<string, unknown>;
    delete records['2'];
    repo.write(TEMPLATE_RECORD, JSON.stringify(records));
    record();
    expect(findings()).toEqual([]);
  });

  it('refuse to record other content under a recorded version', () => {
    repo.write(TEMPLATE_FILE, JSON.stringify({ ...TEMPLATE, priority: 300 }));
    expect(recordTemplateVersion(workingTree(repo.root)).refused).toEqual([
      expect.objectContaining({ kind: 'CHANGED_WITHOUT_NEW_VERSION', element: 'search template@1' }),
    ]);
  });

  it('fail a record rewritten since the base (edited file and hash together)', () => {
    repo.edit(FIRST, "name: 'sku_unique', unique: true", "name: 'sku_unique'");
    const records = JSON.parse(repo.read(MONGO_RECORD)) as Record<string, unknown>;
    delete records['1'];
    repo.write(MONGO_RECORD, JSON.stringify(records));
    record();
    expect(kinds(findings())).toEqual([['RECORD_REWRITTEN', 'catalog@1']]);
  });
});
