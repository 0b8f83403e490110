/** A recognised text line with its mean character confidence. */
export interface CtcResult {
  readonly text: string;
  readonly confidence: number;
  /** For each character of `text` (UTF-16 unit index), the time step it was emitted at. */
  readonly steps: readonly number[];
}

/**
 * Greedy CTC decoding of one sequence: the best class per time step, repeats collapsed, blanks (class 0) dropped.
 * `probs` is `steps × classes` (already softmaxed); class `k > 0` is `alphabet[k - 1]`.
 */
export function ctcGreedyDecode(
  probs: Float32Array,
  steps: number,
  classes: number,
  alphabet: readonly string[],
  offset = 0,
): CtcResult {
  let text = '';
  let sum = 0;
  let kept = 0;
  let prev = -1;
  const at: number[] = [];
  for (let t = 0; t < steps; t++) {
    const base = offset + t * classes;
    let best = 0;
    let bestP = probs[base] as number;
    for (let k = 1; k < classes; k++) {
      const p = probs[base + k] as number;
      if (p > bestP) {
        bestP = p;
        best = k;
      }
    }
    if (best !== 0 && best !== prev) {
      const ch = alphabet[best - 1] ?? '';
      text += ch;
      for (let u = 0; u < ch.length; u++) at.push(t);
      sum += bestP;
      kept++;
    }
    prev = best;
  }
  return { text, confidence: kept === 0 ? 0 : sum / kept, steps: at };
}
