import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client, estypes } from '@elastic/elasticsearch';
import { createMetrics } from '@polystore/platform';
import { createElasticsearch, esErrorType } from '@polystore/search/dist/elasticsearch';
import { IndexNames } from '@polystore/search/dist/products/product-index.repository';
import { canonicalJson, sha256, UnorderedDigest } from './digest';
import { recordFile, type ObjectRecord, type PartRecord } from './manifest';
import type { Inventory, PartBackup, ProgressFactory, RestoreOutcome, StepProgress, StorePart } from './part';

export interface SearchTarget {
  service: string;
  url: string;
  /** The alias searches read (`products`; a test's own `products_t_<suffix>`). */
  alias: string;
}

/** What the snapshot does not hold: the alias's template (global state) and which index it points at. */
interface Definitions {
  alias: string;
  indices: { name: string; version: number; aliased: boolean }[];
  template: Record<string, unknown> | null;
}

const SNAPSHOT = 'search';
const REPOSITORY_DIR = 'elasticsearch/repository';
const DEFINITIONS_FILE = 'elasticsearch/definitions.json';
/** Tries to take a snapshot nothing was written to while it was taken, before giving up. */
const SNAPSHOT_TRIES = 3;

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function filesUnder(root: string, relative = ''): string[] {
  return readdirSync(path.join(root, relative), { withFileTypes: true })
    .flatMap((entry) => {
      const child = path.join(relative, entry.name);
      return entry.isDirectory() ? filesUnder(root, child) : [child];
    })
    .sort();
}

/**
 * The search alias, its versioned indices and its template: a snapshot of the indices into a
 * filesystem repository inside the backup folder (Elasticsearch must list the backups directory in
 * `path.repo`), and the template and alias beside it. A restore may rename them to another alias.
 */
export class ElasticsearchPart implements StorePart {
  readonly store = 'elasticsearch' as const;
  readonly id: string;
  readonly service: string;
  readonly where: string;
  private readonly es: Client;
  private readonly names: IndexNames;

  constructor(private readonly target: SearchTarget) {
    this.service = target.service;
    this.id = `elasticsearch/${target.service}`;
    this.where = `Elasticsearch alias ${target.alias} (indices ${target.alias}_v*, template ${target.alias})`;
    this.es = createElasticsearch(target.url, createMetrics('backup'), { requestTimeoutMs: 600_000, maxRetries: 0 });
    this.names = new IndexNames(target.alias);
  }

  private async indices(): Promise<Definitions['indices']> {
    const found = await this.es.indices.get({
      index: this.names.pattern,
      expand_wildcards: 'all',
      allow_no_indices: true,
      ignore_unavailable: true,
      features: ['aliases'],
    });
    return Object.entries(found)
      .map(([name, state]) => ({
        name,
        version: this.names.versionOf(name) ?? -1,
        aliased: Boolean(state.aliases && this.target.alias in state.aliases),
      }))
      .filter((i) => i.version > 0)
      .sort((a, b) => a.version - b.version);
  }

  private async template(): Promise<Record<string, unknown> | null> {
    try {
      const { index_templates } = await this.es.indices.getIndexTemplate({ name: this.names.template });
      return (index_templates[0]?.index_template as unknown as Record<string, unknown>) ?? null;
    } catch (error) {
      if (esErrorType(error) === 'resource_not_found_exception') return null;
      throw error;
    }
  }

  /** Every write to an index moves its shards' max_seq_no: unchanged means nothing was written. */
  private async writePositions(indices: readonly string[]): Promise<string> {
    const stats = await this.es.indices.stats({ index: [...indices], level: 'shards', metric: ['indexing'] });
    const positions: string[] = [];
    for (const [index, s] of Object.entries(stats.indices ?? {})) {
      for (const [shard, copies] of Object.entries(s.shards ?? {})) {
        for (const copy of copies as estypes.IndicesStatsShardStats[]) {
          positions.push(`${index}/${shard}/${copy.routing?.primary ? 'p' : 'r'}:${copy.seq_no?.max_seq_no}`);
        }
      }
    }
    return positions.sort().join(',');
  }

  /** The objects of the alias, named by version (`v1`) so that they compare across aliases. */
  private async objects(definitions: Omit<Definitions, 'alias'>): Promise<ObjectRecord[]> {
    const objects: ObjectRecord[] = [];
    for (const index of definitions.indices) {
      const digest = new UnorderedDigest();
      let page = await this.es.search<unknown>({ index: index.name, scroll: '2m', size: 1000, sort: ['_doc'] });
      try {
        while (page.hits.hits.length) {
          for (const hit of page.hits.hits) digest.add(canonicalJson([hit._id, hit._source]));
          page = await this.es.scroll<unknown>({ scroll_id: page._scroll_id!, scroll: '2m' });
        }
      } finally {
        if (page._scroll_id) await this.es.clearScroll({ scroll_id: page._scroll_id }).catch(() => {});
      }
      const mapping = await this.es.indices.getMapping({ index: index.name });
      objects.push(
        { kind: 'search index', name: `v${index.version}`, count: digest.count, checksum: digest.hex },
        { kind: 'mapping', name: `v${index.version}`, checksum: sha256(canonicalJson(mapping[index.name]?.mappings)) },
      );
    }
    const aliased = definitions.indices.filter((i) => i.aliased).map((i) => `v${i.version}`);
    if (aliased.length) objects.push({ kind: 'alias', name: 'alias', checksum: aliased.join(',') });
    if (definitions.template) {
      const { index_patterns: _patterns, ...template } = definitions.template;
      objects.push({ kind: 'index template', name: 'template', checksum: sha256(canonicalJson(template)) });
    }
    return objects;
  }

  private async withRepository<T>(location: string, readonly: boolean, work: (name: string) => Promise<T>): Promise<T> {
    const name = `polystore-backup-${randomBytes(6).toString('hex')}`;
    try {
      await this.es.snapshot.createRepository({
        name,
        repository: { type: 'fs', settings: { location, readonly } },
      });
    } catch (error) {
      const reason = (error as { message?: string }).message ?? String(error);
      throw new Error(
        `Elasticsearch cannot use ${location} as a snapshot repository (${reason}). Its node must list the backups ` +
          `directory in path.repo: scripts/stack up starts it so (restart Elasticsearch once: scripts/stack down, up); ` +
          `or leave search out (--skip search) and rebuild the index after a restore with npm run reindex.`,
        { cause: error },
      );
    }
    try {
      return await work(name);
    } finally {
      await this.es.snapshot.deleteRepository({ name }).catch(() => {});
    }
  }

  async backup(folder: string, progress: ProgressFactory): Promise<PartBackup> {
    const location = path.join(folder, REPOSITORY_DIR);
    mkdirSync(location, { recursive: true });
    // no index behind the alias: nothing to snapshot, only the template (if any) to keep
    const { objects, ...kept } = (await this.indices()).length
      ? await this.snapshotted(location, progress)
      : await this.unsnapshotted();
    writeFileSync(
      path.join(folder, DEFINITIONS_FILE),
      `${JSON.stringify({ alias: this.target.alias, ...kept }, null, 2)}\n`,
      { mode: 0o600 },
    );
    const files = [DEFINITIONS_FILE, ...filesUnder(location).map((f) => path.join(REPOSITORY_DIR, f))];
    return {
      source: this.target.alias,
      objects,
      files: await Promise.all(files.map((f) => recordFile(folder, f))),
      details: { snapshot: SNAPSHOT },
    };
  }

  private async unsnapshotted(): Promise<Omit<Definitions, 'alias'> & { objects: ObjectRecord[] }> {
    const template = await this.template();
    return { indices: [], template, objects: await this.objects({ indices: [], template }) };
  }

  /**
   * A snapshot of the alias's indices and their objects as it holds them: taken again when a shard
   * was written to while it was read, so that the recorded checksums are the snapshot's.
   */
  private snapshotted(
    location: string,
    progress: ProgressFactory,
  ): Promise<Omit<Definitions, 'alias'> & { objects: ObjectRecord[] }> {
    return this.withRepository(location, false, async (repository) => {
      for (let attempt = 1; ; attempt++) {
        const indices = await this.indices();
        const names = indices.map((i) => i.name);
        await this.es.indices.refresh({ index: names });
        const before = await this.writePositions(names);
        const template = await this.template();
        const objects = await this.objects({ indices, template });
        await this.snapshot(repository, names, progress);
        if ((await this.writePositions(names)) === before) return { indices, template, objects };
        await this.es.snapshot.delete({ repository, snapshot: SNAPSHOT });
        if (attempt === SNAPSHOT_TRIES) {
          throw new Error(
            `${this.where} was written to during each of ${SNAPSHOT_TRIES} snapshots: stop its writers, or --skip search`,
          );
        }
      }
    });
  }

  private async snapshot(repository: string, indices: string[], progress: ProgressFactory): Promise<void> {
    await this.es.snapshot.create({
      repository,
      snapshot: SNAPSHOT,
      indices,
      include_global_state: false,
      wait_for_completion: false,
    });
    let done = 0;
    let step: StepProgress | undefined;
    for (;;) {
      const { snapshots } = await this.es.snapshot.status({ repository, snapshot: SNAPSHOT });
      const status = snapshots[0];
      step ??= status && progress(`${this.id}: shards`, status.shards_stats.total);
      const now = status?.shards_stats.done ?? 0;
      if (now > done) step?.tick(now - done);
      done = now;
      if (status?.state === 'SUCCESS') break;
      if (status && ['FAILED', 'PARTIAL', 'INCOMPATIBLE'].includes(status.state)) {
        throw new Error(`the snapshot of ${this.where} ended ${status.state}`);
      }
      await sleep(250);
    }
    step?.finish();
  }

  async contents(): Promise<string | null> {
    const indices = await this.indices();
    const template = await this.template();
    if (!indices.length && !template) return null;
    return `${indices.length} indices${template ? ' and its template' : ''}`;
  }

  async clean(): Promise<void> {
    const indices = (await this.indices()).map((i) => i.name);
    if (indices.length) await this.es.indices.delete({ index: indices, ignore_unavailable: true });
    if (await this.template()) await this.es.indices.deleteIndexTemplate({ name: this.names.template });
  }

  async restore(folder: string, record: PartRecord, progress: ProgressFactory): Promise<RestoreOutcome> {
    const definitions = JSON.parse(readFileSync(path.join(folder, DEFINITIONS_FILE), 'utf8')) as Definitions;
    if (definitions.template) {
      const { index_patterns: _patterns, ...template } = definitions.template;
      await this.es.indices.putIndexTemplate({
        ...(template as Omit<estypes.IndicesPutIndexTemplateRequest, 'name'>),
        name: this.names.template,
        index_patterns: [this.names.pattern],
      });
    }
    const step = progress(`${this.id}: indices`, definitions.indices.length);
    if (definitions.indices.length) {
      await this.withRepository(path.join(folder, REPOSITORY_DIR), true, (repository) =>
        this.es.snapshot.restore({
          repository,
          snapshot: String(record.details['snapshot'] ?? SNAPSHOT),
          indices: definitions.indices.map((i) => i.name),
          include_global_state: false,
          include_aliases: false,
          rename_pattern: `^${escapeRegex(definitions.alias)}_v(\\d+)$`,
          rename_replacement: `${this.target.alias}_v$1`,
          wait_for_completion: true,
        }),
      );
    }
    step.tick(definitions.indices.length);
    step.finish();
    const aliased = definitions.indices.filter((i) => i.aliased);
    if (aliased.length) {
      await this.es.indices.updateAliases({
        actions: aliased.map((i) => ({ add: { index: this.names.versioned(i.version), alias: this.target.alias } })),
      });
    }
    return { expected: () => record.objects, notes: [] };
  }

  async inventory(): Promise<Inventory> {
    const indices = await this.indices();
    if (indices.length) await this.es.indices.refresh({ index: indices.map((i) => i.name) });
    return { objects: await this.objects({ indices, template: await this.template() }), asOf: Date.now() };
  }

  async close(): Promise<void> {
    await this.es.close();
  }
}
