import type { ProductIndexRepository } from './product-index.repository';

export interface DeployReport {
  /** The index the alias points at after the deploy. */
  index: string;
  created: boolean;
  /** Set when the live index was built from an older template: `npm run reindex` moves it on. */
  outdated: boolean;
}

/**
 * The search service's migration (run by `npm run migrate`, and by tests for their own alias):
 * apply the index template kept in the repository, and when the alias points nowhere, create the
 * first versioned index `<alias>_v1` (empty) behind it, so the service can answer from the start.
 * Filling it is `npm run reindex`'s job. Safe to run again: nothing changes once in place.
 */
export async function deployProductIndex(
  repository: ProductIndexRepository,
  log: (line: string) => void = () => undefined,
): Promise<DeployReport> {
  await repository.putTemplate();
  const indices = await repository.versionedIndices();
  const live = indices.find((i) => i.aliased);
  if (live) {
    const outdated = live.schemaVersion !== repository.schemaVersion;
    if (outdated) {
      log(
        `${live.name} has mapping schema ${live.schemaVersion ?? 'none'}, the template ${repository.schemaVersion}: run npm run reindex`,
      );
    }
    return { index: live.name, created: false, outdated };
  }
  const next = repository.names.versioned((indices.at(-1)?.version ?? 0) + 1);
  await repository.createIndex(next);
  await repository.swapAlias(next, []);
  log(`created ${next} behind the alias ${repository.names.alias} (empty until npm run reindex)`);
  return { index: next, created: true, outdated: false };
}
