import { createHash } from 'node:crypto';

/** An item's place in a seeded draw: the same seed and key always give the same rank. */
export function sampleRank(seed: string, key: string): string {
  return createHash('sha256').update(`${seed}\u0000${key}`).digest('hex');
}

/**
 * A deterministic random sample: the `size` values whose keys rank lowest under `seed`, in rank order. The draw
 * does not depend on the order values arrive in, a larger sample contains every smaller one, and memory stays
 * at `size` values however long the input is.
 */
export async function seededSample<T>(
  values: AsyncIterable<T> | Iterable<T>,
  size: number,
  seed: string,
  keyOf: (value: T) => string,
): Promise<T[]> {
  const kept: { rank: string; value: T }[] = [];
  if (size <= 0) return [];
  for await (const value of values) {
    const rank = sampleRank(seed, keyOf(value));
    if (kept.length >= size && rank >= (kept[kept.length - 1] as { rank: string }).rank) continue;
    let lo = 0;
    let hi = kept.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((kept[mid] as { rank: string }).rank < rank) lo = mid + 1;
      else hi = mid;
    }
    kept.splice(lo, 0, { rank, value });
    if (kept.length > size) kept.pop();
  }
  return kept.map((k) => k.value);
}
