import { hammingDistance256, PDQ_WORDS, wordsToPdqHex } from './hamming';
import { PDQ_MATCH_THRESHOLD, PDQ_MIN_USEFUL_QUALITY } from './pdq';

/** One hashed video frame. */
export interface VpdqFrame {
  /** Index of the frame among all decoded frames, from 0. */
  readonly frame: number;
  readonly quality: number;
  /** PDQ hash words (see `core/hash/hamming.ts`). */
  readonly hash: Uint32Array;
  /** `float32(frame) / float32(fps)` seconds, as the reference computes it. */
  readonly timestamp: number;
}

/** How two videos' frame sets are compared. */
export interface VpdqMatchOptions {
  /** Frames below this quality are dropped from both sides first (default 50). */
  readonly minQuality: number;
  /** Frame distance counted as a match (default 31). */
  readonly distance: number;
  /** Whether a distance equal to `distance` matches: true in python-threatexchange/HMA, false in C++. */
  readonly inclusive: boolean;
  /** Drop exact-duplicate hashes before comparing (python-threatexchange/HMA do, C++ does not). */
  readonly dedupe: boolean;
}

/** python-threatexchange / HMA rule: dedupe, quality ≥ 50, distance ≤ 31. */
export const VPDQ_MATCH_HMA: VpdqMatchOptions = {
  minQuality: PDQ_MIN_USEFUL_QUALITY,
  distance: PDQ_MATCH_THRESHOLD,
  inclusive: true,
  dedupe: true,
};

/** C++ `matchTwoHashBrute` rule: no dedupe, quality ≥ 50, distance < 31. */
export const VPDQ_MATCH_CPP: VpdqMatchOptions = { ...VPDQ_MATCH_HMA, inclusive: false, dedupe: false };

/** Result of comparing a query video with another. */
export interface VpdqMatchResult {
  /** Percentage of the query's (filtered) frames within the distance of some compared frame. */
  readonly queryMatchPercent: number;
  /** Percentage of the compared video's (filtered) frames within the distance of some query frame. */
  readonly comparedMatchPercent: number;
  /** Frames of each side after the quality filter (and dedupe). */
  readonly queryFrames: number;
  readonly comparedFrames: number;
}

/**
 * The frames a video is matched on, packed: quality-filtered and, when `dedupe`, with exact-duplicate hashes
 * removed (first occurrence kept). Returns 8 words per frame.
 */
export function vpdqFeatureWords(
  frames: readonly VpdqFrame[],
  options: Pick<VpdqMatchOptions, 'minQuality' | 'dedupe'> = VPDQ_MATCH_HMA,
): Uint32Array {
  const seen = new Set<string>();
  const kept: Uint32Array[] = [];
  for (const f of frames) {
    if (f.quality < options.minQuality) continue;
    if (options.dedupe) {
      const hex = wordsToPdqHex(f.hash);
      if (seen.has(hex)) continue;
      seen.add(hex);
    }
    kept.push(f.hash);
  }
  const out = new Uint32Array(kept.length * PDQ_WORDS);
  kept.forEach((h, i) => {
    out.set(h.subarray(0, PDQ_WORDS), i * PDQ_WORDS);
  });
  return out;
}

/** How many of the hashes in `a` are within the distance of at least one hash in `b` (brute force). */
function countMatched(a: Uint32Array, b: Uint32Array, limit: number): number {
  let matched = 0;
  for (let i = 0; i < a.length; i += PDQ_WORDS) {
    for (let j = 0; j < b.length; j += PDQ_WORDS) {
      if (hammingDistance256(a, i, b, j) <= limit) {
        matched++;
        break;
      }
    }
  }
  return matched;
}

/**
 * Compares two videos' vPDQ frames: both sides are filtered (and deduped) per `options`, then each side's
 * percentage of frames that have a match on the other side is reported. A side with no frames left gets 0%.
 */
export function matchVpdq(
  query: readonly VpdqFrame[],
  compared: readonly VpdqFrame[],
  options: VpdqMatchOptions = VPDQ_MATCH_HMA,
): VpdqMatchResult {
  const q = vpdqFeatureWords(query, options);
  const c = vpdqFeatureWords(compared, options);
  const limit = options.inclusive ? options.distance : options.distance - 1;
  const qn = q.length / PDQ_WORDS;
  const cn = c.length / PDQ_WORDS;
  return {
    queryMatchPercent: qn === 0 ? 0 : (countMatched(q, c, limit) * 100) / qn,
    comparedMatchPercent: cn === 0 ? 0 : (countMatched(c, q, limit) * 100) / cn,
    queryFrames: qn,
    comparedFrames: cn,
  };
}

/** HMA's decision: a match when the query's percentage reaches `queryPercent` and the compared one `comparedPercent`. */
export function isVpdqMatch(result: VpdqMatchResult, queryPercent = 80, comparedPercent = 0): boolean {
  return result.queryMatchPercent >= queryPercent && result.comparedMatchPercent >= comparedPercent;
}
