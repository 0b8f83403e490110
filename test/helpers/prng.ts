import { seededRandom } from '../../core/seeded-random';

/** A seeded pseudo-random generator returning numbers in [0, 1), for reproducible tests. */
export const prng: (seed: number) => () => number = seededRandom;

/** The same generator's output as unsigned 32-bit integers. */
export function prngUint32(seed: number): () => number {
  const next = seededRandom(seed);
  return () => next() * 4294967296;
}
