/** Hashes within a radius of a query: parallel arrays sorted by distance, then id. */
export interface HashSearchResult {
  readonly ids: Uint32Array;
  readonly distances: Uint8Array;
}

/**
 * Sorts matches by distance then id. `keys` holds `distance * 2^32 + id` for each match (exact in a double), so
 * one numeric sort orders both.
 */
export function resultFromKeys(keys: Float64Array): HashSearchResult {
  keys.sort();
  const ids = new Uint32Array(keys.length);
  const distances = new Uint8Array(keys.length);
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i] as number;
    const d = Math.floor(k / 0x1_0000_0000);
    distances[i] = d;
    ids[i] = k - d * 0x1_0000_0000;
  }
  return { ids, distances };
}
