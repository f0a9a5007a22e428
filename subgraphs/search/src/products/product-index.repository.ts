import { readFileSync } from 'node:fs';
import path from 'node:path';
import { errors, type Client, type estypes } from '@elastic/elasticsearch';
import type { ProductDocument } from './product.document';

/** The index template kept in the repository (subgraphs/search/index/), read once. */
export interface ProductTemplate {
  version: number;
  priority: number;
  _meta: Record<string, unknown>;
  template: {
    settings: Record<string, unknown>;
    mappings: { _meta: { schemaVersion: number } } & Record<string, unknown>;
  };
}

export const TEMPLATE_FILE = path.resolve(__dirname, '..', '..', 'index', 'products.template.json');

export function loadTemplate(file = TEMPLATE_FILE): ProductTemplate {
  return JSON.parse(readFileSync(file, 'utf8')) as ProductTemplate;
}

/** The names one alias implies: its versioned indices `<alias>_v<N>` and its template `<alias>`. */
export class IndexNames {
  private readonly versionPattern: RegExp;

  constructor(readonly alias: string) {
    this.versionPattern = new RegExp(`^${alias}_v([1-9][0-9]{0,8})$`);
  }

  get template(): string {
    return this.alias;
  }

  /** What the template applies to, and what listing the versions asks for. */
  get pattern(): string {
    return `${this.alias}_v*`;
  }

  versioned(version: number): string {
    return `${this.alias}_v${version}`;
  }

  versionOf(index: string): number | null {
    const match = this.versionPattern.exec(index);
    return match ? Number(match[1]) : null;
  }
}

export interface VersionedIndex {
  name: string;
  version: number;
  createdAt: Date;
  aliased: boolean;
  schemaVersion: number | null;
}

export interface BulkOutcome {
  indexed: number;
  /** Older than what the index already holds (external versioning): left as they were. */
  stale: number;
  failed: { id: string; reason: string }[];
}

const notFound = (error: unknown) => error instanceof errors.ResponseError && error.statusCode === 404;

/**
 * The only code that talks to Elasticsearch: the search itself and the index's administration
 * (template, versioned indices, the alias, bulk writes). Every call is one counted round trip.
 */
export class ProductIndexRepository {
  constructor(
    private readonly es: Client,
    readonly names: IndexNames,
    private readonly template: ProductTemplate = loadTemplate(),
  ) {}

  get schemaVersion(): number {
    return this.template.template.mappings._meta.schemaVersion;
  }

  search(body: estypes.SearchRequest): Promise<estypes.SearchResponse<unknown>> {
    return this.es.search<unknown>({ ...body, index: this.names.alias });
  }

  /** Create or replace the template (idempotent); indices created afterwards take it. */
  async putTemplate(): Promise<void> {
    await this.es.indices.putIndexTemplate({
      name: this.names.template,
      index_patterns: [this.names.pattern],
      priority: this.template.priority,
      version: this.template.version,
      _meta: this.template._meta,
      template: this.template.template as estypes.IndicesPutIndexTemplateRequest['template'],
    });
  }

  async templateVersion(): Promise<number | null> {
    try {
      const { index_templates } = await this.es.indices.getIndexTemplate({ name: this.names.template });
      return index_templates[0]?.index_template.version ?? null;
    } catch (error) {
      if (notFound(error)) return null;
      throw error;
    }
  }

  /** Every `<alias>_v<N>` index, oldest version first, with whether the alias points at it. */
  async versionedIndices(): Promise<VersionedIndex[]> {
    const indices = await this.es.indices.get({
      index: this.names.pattern,
      expand_wildcards: 'all',
      allow_no_indices: true,
      ignore_unavailable: true,
      features: ['aliases', 'settings', 'mappings'],
    });
    const result: VersionedIndex[] = [];
    for (const [name, state] of Object.entries(indices)) {
      const version = this.names.versionOf(name);
      if (version === null) continue;
      const meta = state.mappings?._meta as { schemaVersion?: number } | undefined;
      result.push({
        name,
        version,
        createdAt: new Date(Number(state.settings?.index?.creation_date ?? 0)),
        aliased: Boolean(state.aliases && this.names.alias in state.aliases),
        schemaVersion: typeof meta?.schemaVersion === 'number' ? meta.schemaVersion : null,
      });
    }
    return result.sort((a, b) => a.version - b.version);
  }

  /**
   * A new versioned index from the template. While `loading`, it does not refresh (a bulk load
   * is faster without); `finishLoading` restores the template's interval and refreshes once.
   * Fails with resource_already_exists_exception when another run created it first.
   */
  async createIndex(name: string, { loading = false } = {}): Promise<void> {
    await this.es.indices.create({
      index: name,
      ...(loading ? { settings: { index: { refresh_interval: '-1' } } } : {}),
    });
  }

  async finishLoading(name: string): Promise<void> {
    const interval = (this.template.template.settings['refresh_interval'] as string | undefined) ?? '1s';
    await this.es.indices.putSettings({ index: name, settings: { index: { refresh_interval: interval } } });
    await this.es.indices.refresh({ index: name });
  }

  async count(index: string): Promise<number> {
    return (await this.es.count({ index })).count;
  }

  async refresh(index: string = this.names.alias): Promise<void> {
    await this.es.indices.refresh({ index });
  }

  /**
   * Point the alias at `target` and away from every other index, in one `_aliases` call:
   * Elasticsearch applies the actions atomically, so a search sees either the old index or the
   * new one, never neither and never both.
   */
  async swapAlias(target: string, from: readonly string[]): Promise<void> {
    await this.es.indices.updateAliases({
      actions: [
        ...from.filter((i) => i !== target).map((index) => ({ remove: { index, alias: this.names.alias } })),
        { add: { index: target, alias: this.names.alias } },
      ],
    });
  }

  async deleteIndices(names: readonly string[]): Promise<void> {
    if (names.length) await this.es.indices.delete({ index: [...names], ignore_unavailable: true });
  }

  async deleteTemplate(): Promise<void> {
    try {
      await this.es.indices.deleteIndexTemplate({ name: this.names.template });
    } catch (error) {
      if (!notFound(error)) throw error;
    }
  }

  /**
   * Index documents in one `_bulk` round trip, each with the catalog's version as an external
   * version: a document never goes back to an older version of its product, whatever order
   * updates arrive in (re-sending the same version is accepted, so retries are harmless).
   */
  async bulkIndex(
    index: string,
    documents: readonly { document: ProductDocument; version: number }[],
    { refresh = false } = {},
  ): Promise<BulkOutcome> {
    const outcome: BulkOutcome = { indexed: 0, stale: 0, failed: [] };
    if (!documents.length) return outcome;
    const response = await this.es.bulk({
      refresh: refresh ? 'wait_for' : false,
      operations: documents.flatMap(({ document, version }) => [
        { index: { _index: index, _id: document.id, version, version_type: 'external_gte' as const } },
        document,
      ]),
    });
    for (const item of response.items) {
      const result = item.index;
      if (!result) continue;
      if (!result.error) outcome.indexed += 1;
      else if (result.error.type === 'version_conflict_engine_exception') outcome.stale += 1;
      else
        outcome.failed.push({ id: String(result._id), reason: `${result.error.type}: ${result.error.reason ?? ''}` });
    }
    return outcome;
  }

  async aliasExists(): Promise<boolean> {
    return this.es.indices.existsAlias({ name: this.names.alias });
  }
}
