/**
 * A small read-through cache for lookups on the hot path (a part and its title for every
 * window and receipt, a terminal's key for every receipt). Entries live `ttlMs`; misses are
 * not kept, so something imported or enrolled while the store runs is found at once.
 */
export class LookupCache<V> {
  private readonly entries = new Map<string, { value: V; expiresAtMs: number }>();
  /** Loads under way: concurrent misses of one key share one query. */
  private readonly loading = new Map<string, Promise<V | undefined>>();

  constructor(
    private readonly load: (key: string) => Promise<V | undefined>,
    private readonly ttlMs: number,
    private readonly maxEntries: number,
    private readonly nowMs: () => number,
  ) {}

  async get(key: string): Promise<V | undefined> {
    const hit = this.entries.get(key);
    const now = this.nowMs();
    if (hit && hit.expiresAtMs > now) return hit.value;
    let load = this.loading.get(key);
    if (!load) {
      load = this.load(key).finally(() => this.loading.delete(key));
      this.loading.set(key, load);
    }
    const value = await load;
    if (value === undefined) {
      this.entries.delete(key);
      return undefined;
    }
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(key, { value, expiresAtMs: now + this.ttlMs });
    return value;
  }
}
