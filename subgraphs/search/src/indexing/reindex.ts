import { Progress } from '@polystore/platform';
import type { ProductIndexRepository } from '../products/product-index.repository';
import type { CatalogSource } from './catalog-source';
import { ProductIndexer } from './indexer';

export interface ProgressLike {
  tick(n: number): void;
  finish(): void;
}

export interface ReindexOptions {
  pageSize?: number;
  /** How long the old index outlives the swap, so searches already sent to it still finish. */
  retireAfterMs?: number;
  /** An unaliased version newer than the live one is a crashed run's leftover after this long. */
  staleAfterMs?: number;
  progress?: (total: number) => ProgressLike;
  log?: (line: string) => void;
}

export interface ReindexReport {
  index: string;
  previous: string[];
  indexed: number;
  durationMs: number;
}

export class ReindexError extends Error {}

/**
 * Build a new versioned index from the catalog and swap the alias to it:
 *  1. apply the template; pick `<alias>_v<N+1>` (refusing to run beside another reindex);
 *  2. page through the catalog, bulk-indexing each page while the next one is read;
 *  3. refresh, and check the index holds exactly what was read;
 *  4. move the alias in one atomic `_aliases` call; delete the old index once searches sent to it
 *     have had time to finish.
 * Until step 4 searches read the old index; any failure before it deletes the new index and
 * leaves the alias as it was.
 */
export async function reindex(
  repository: ProductIndexRepository,
  source: CatalogSource,
  options: ReindexOptions = {},
): Promise<ReindexReport> {
  const started = Date.now();
  const log = options.log ?? (() => undefined);
  const staleAfterMs = options.staleAfterMs ?? 3600_000;
  await repository.putTemplate();
  const indices = await repository.versionedIndices();
  const previous = indices.filter((i) => i.aliased).map((i) => i.name);
  const liveVersion = Math.max(0, ...indices.filter((i) => i.aliased).map((i) => i.version));
  const leftovers = indices.filter((i) => !i.aliased && i.version > liveVersion);
  const running = leftovers.find((i) => started - i.createdAt.getTime() < staleAfterMs);
  if (running) {
    throw new ReindexError(
      `${running.name} was created ${Math.round((started - running.createdAt.getTime()) / 1000)} s ago and is not live: ` +
        'another reindex is running (or crashed recently; delete that index to go on)',
    );
  }
  if (leftovers.length) {
    log(`deleting what crashed runs left: ${leftovers.map((i) => i.name).join(', ')}`);
    await repository.deleteIndices(leftovers.map((i) => i.name));
  }
  const target = repository.names.versioned((indices.at(-1)?.version ?? 0) + 1);
  try {
    await repository.createIndex(target, { loading: true });
  } catch (error) {
    throw new ReindexError(`could not create ${target} (another reindex running?): ${(error as Error).message}`, {
      cause: error,
    });
  }
  log(`building ${target}`);

  const ids = new Set<string>();
  try {
    const indexer = new ProductIndexer(repository);
    let progress: ProgressLike | undefined;
    const pages = source.pages(options.pageSize ?? 100)[Symbol.asyncIterator]();
    let next = pages.next();
    for (;;) {
      const page = await next;
      if (page.done) break;
      // Read the next page while this one is written: the catalog is the slower of the two.
      next = pages.next();
      next.catch(() => undefined);
      progress ??= (options.progress ?? ((total) => new Progress(`search: indexing into ${target}`, total)))(
        page.value.total,
      );
      const outcome = await indexer.indexProducts(page.value.products, { index: target });
      if (outcome.failed.length) {
        const [first] = outcome.failed;
        throw new ReindexError(`${outcome.failed.length} products were refused, e.g. ${first!.id}: ${first!.reason}`);
      }
      for (const product of page.value.products) ids.add(product.id);
      progress.tick(page.value.products.length);
    }
    progress?.finish();
    await repository.finishLoading(target);
    const counted = await repository.count(target);
    if (counted !== ids.size) throw new ReindexError(`${target} holds ${counted} products, ${ids.size} were read`);
    await repository.swapAlias(target, previous);
  } catch (error) {
    await repository.deleteIndices([target]).catch(() => undefined);
    throw error;
  }
  const indexed = ids.size;
  log(`${repository.names.alias} → ${target} (${indexed} products)`);
  if (previous.length) {
    await new Promise((resolve) => setTimeout(resolve, options.retireAfterMs ?? 5_000));
    await repository.deleteIndices(previous);
    log(`deleted ${previous.join(', ')}`);
  }
  return { index: target, previous, indexed, durationMs: Date.now() - started };
}
