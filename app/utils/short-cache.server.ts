/**
 * A tiny time-bounded cache for hot public reads (appeal pages under a signing rush): values
 * live `ttlMs`, concurrent misses share one load, and the map is bounded.
 */
export function shortCache<V>(ttlMs: number, maxEntries = 2000) {
  const entries = new Map<string, { at: number; value: Promise<V> }>();
  return {
    get(key: string, load: () => Promise<V>): Promise<V> {
      const now = Date.now();
      const hit = entries.get(key);
      if (hit && now - hit.at < ttlMs) return hit.value;
      if (entries.size >= maxEntries) entries.clear();
      const value = load();
      entries.set(key, { at: now, value });
      value.catch(() => entries.delete(key));
      return value;
    },
    clear() {
      entries.clear();
    },
  };
}
