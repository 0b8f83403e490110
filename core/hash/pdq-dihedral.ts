import { PDQ_WORDS } from './hamming';
import { type PdqCoefficients, pdqHashFromDct } from './pdq';

/** The 8 dihedral variants, named as in the reference (`rot90` is 90° counter-clockwise). */
export const PDQ_DIHEDRAL_NAMES = [
  'original',
  'rot90',
  'rot180',
  'rot270',
  'flipx',
  'flipy',
  'flipplus1',
  'flipminus1',
] as const;

/** One of {@link PDQ_DIHEDRAL_NAMES}. */
export type PdqDihedralName = (typeof PDQ_DIHEDRAL_NAMES)[number];

/** Hash words of each dihedral variant. */
export type PdqDihedralHashes = Record<PdqDihedralName, Uint32Array>;

/**
 * For each variant: whether it transposes the block, and which parity of (row, column) of the source block negates
 * a coefficient. A DCT basis function of odd index (even 0-based frequency row, since the DC row is skipped) flips
 * sign under a mirror, so mirrors and rotations are sign changes and transposes of the 16×16 block.
 */
const RULES: Record<PdqDihedralName, { transpose: boolean; negate: (i: number, j: number) => boolean }> = {
  original: { transpose: false, negate: () => false },
  rot90: { transpose: true, negate: (_i, j) => j % 2 === 0 },
  rot180: { transpose: false, negate: (i, j) => (i + j) % 2 === 1 },
  rot270: { transpose: true, negate: (i) => i % 2 === 0 },
  flipx: { transpose: false, negate: (i) => i % 2 === 0 },
  flipy: { transpose: false, negate: (_i, j) => j % 2 === 0 },
  flipplus1: { transpose: true, negate: () => false },
  flipminus1: { transpose: true, negate: (i, j) => (i + j) % 2 === 1 },
};

/**
 * The DCT-domain variant `name` of a 16×16 block: what hashing the rotated or mirrored picture would give, up to
 * the filter's slight asymmetry (they agree within a few bits on photos; the reference computes them this way).
 */
export function pdqDihedralDct(
  dct: Float32Array,
  name: PdqDihedralName,
  out = new Float32Array(256),
): Float32Array {
  const rule = RULES[name];
  for (let i = 0; i < 16; i++) {
    for (let j = 0; j < 16; j++) {
      const v = dct[16 * i + j] as number;
      out[rule.transpose ? 16 * j + i : 16 * i + j] = rule.negate(i, j) ? -v : v;
    }
  }
  return out;
}

/**
 * All 8 dihedral hashes from one hash computation, each thresholded at its own median (the median of a negated
 * block is not the negated median). Tiny pictures give 8 zero hashes.
 */
export function pdqDihedralHashes(coefficients: PdqCoefficients): PdqDihedralHashes {
  const scratch = new Float32Array(256);
  const out = {} as PdqDihedralHashes;
  for (const name of PDQ_DIHEDRAL_NAMES) {
    out[name] = coefficients.tiny
      ? new Uint32Array(PDQ_WORDS)
      : pdqHashFromDct(pdqDihedralDct(coefficients.dct, name, scratch));
  }
  return out;
}
