/**
 * Loads by key that concurrent requests share. DataLoader batches and dedupes within one request;
 * this dedupes across requests: while a key's load is in flight, every other request asking for it
 * waits for that load instead of sending its own query. Without it, N requests arriving together on
 * a cold cache send N identical queries to the store (a cache stampede) — on FerretDB, where `$in`
 * scans the collection, that queued entity lookups for seconds under load (bench/README.md).
 * Nothing is kept once a load settles: caching is the product cache's job.
 */
export class SharedLoads<V> {
  private readonly pending = new Map<string, Promise<V | undefined>>();

  /** The value of each key `fetch` found; `fetch` is called once, only for keys nobody is loading. */
  async load(keys: readonly string[], fetch: (keys: string[]) => Promise<Map<string, V>>): Promise<Map<string, V>> {
    const own = [...new Set(keys)].filter((key) => !this.pending.has(key));
    if (own.length) {
      const batch = fetch(own);
      for (const key of own) {
        const value = batch.then((found) => found.get(key));
        this.pending.set(key, value);
        value
          .finally(() => {
            if (this.pending.get(key) === value) this.pending.delete(key);
          })
          .catch(() => undefined); // the failure reaches every waiter through `value` itself
      }
    }
    const unique = [...new Set(keys)];
    const values = await Promise.all(unique.map((key) => this.pending.get(key)!));
    const found = new Map<string, V>();
    unique.forEach((key, i) => {
      if (values[i] !== undefined) found.set(key, values[i]);
    });
    return found;
  }

  /** Keys being loaded right now (for tests and metrics). */
  get inFlight(): number {
    return this.pending.size;
  }
}
