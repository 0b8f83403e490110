import { hammingDistance256, PDQ_WORDS } from '../hash/hamming';
import { type HashSearchResult, resultFromKeys } from './search-result';

/**
 * Every hash of `hashes` (8 words each) within `radius` bits of the query at word offset `queryOffset`, compared
 * one by one: the reference the multi-index search must equal, and the baseline it is measured against. `ids`
 * names the hashes (default: their positions).
 */
export function bruteForceSearch(
  hashes: Uint32Array,
  query: Uint32Array,
  radius: number,
  ids?: Uint32Array,
  queryOffset = 0,
): HashSearchResult {
  const n = Math.floor(hashes.length / PDQ_WORDS);
  const keys: number[] = [];
  for (let i = 0; i < n; i++) {
    const d = hammingDistance256(hashes, i * PDQ_WORDS, query, queryOffset);
    if (d <= radius) keys.push(d * 0x1_0000_0000 + (ids ? (ids[i] as number) : i));
  }
  return resultFromKeys(Float64Array.from(keys));
}
