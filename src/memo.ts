// One promise per key: concurrent and later callers share the load, and a failure is not
// remembered (the next caller tries again: an index or a disk may have recovered). With `limit`,
// the oldest entry goes once the map holds more (a long-running serve reads ever more releases).
export function memo<T>(map: Map<string, Promise<T>>, key: string, load: () => Promise<T>, limit = Number.POSITIVE_INFINITY): Promise<T> {
  const known = map.get(key);
  if (known !== undefined) return known;
  const promise = load();
  map.set(key, promise);
  promise.catch(() => map.delete(key));
  if (map.size > limit) map.delete(map.keys().next().value!);
  return promise;
}

/** Metadata texts an index client keeps in memory (each a few KB): http-index.ts and local-index.ts. */
export const METADATA_MEMO = 4096;
