import { ctcGreedyDecode } from '../../../core/ocr/ctc-decode';

/**
 * A `steps × classes` probability matrix where step `t` puts `p` (default 0.9) on class `best[t]` and spreads
 * the rest evenly over the other classes.
 */
function probs(best: readonly number[], classes: number, p: readonly number[] | number = 0.9): Float32Array {
  const out = new Float32Array(best.length * classes);
  best.forEach((k, t) => {
    const top = typeof p === 'number' ? p : (p[t] as number);
    for (let c = 0; c < classes; c++) out[t * classes + c] = c === k ? top : (1 - top) / (classes - 1);
  });
  return out;
}

const ALPHABET = ['a', 'b', 'c', ' '];
const CLASSES = ALPHABET.length + 1;

describe('ctcGreedyDecode', () => {
  it('drops blanks and maps class k to alphabet[k - 1]', () => {
    const r = ctcGreedyDecode(probs([0, 1, 0, 2, 0, 3, 0], CLASSES), 7, CLASSES, ALPHABET);
    expect(r.text).toBe('abc');
    expect(r.steps).toEqual([1, 3, 5]);
  });

  it('collapses repeats', () => {
    const r = ctcGreedyDecode(probs([1, 1, 1, 2, 2, 3], CLASSES), 6, CLASSES, ALPHABET);
    expect(r.text).toBe('abc');
    // A character is placed at the first step of its run.
    expect(r.steps).toEqual([0, 3, 5]);
  });

  it('keeps a repeat separated by a blank twice', () => {
    const r = ctcGreedyDecode(probs([1, 1, 0, 1, 0, 0, 2], CLASSES), 7, CLASSES, ALPHABET);
    expect(r.text).toBe('aab');
    expect(r.steps).toEqual([0, 3, 6]);
  });

  it('decodes the space class like any other character', () => {
    const r = ctcGreedyDecode(probs([1, 4, 2], CLASSES), 3, CLASSES, ALPHABET);
    expect(r.text).toBe('a b');
    expect(r.steps).toEqual([0, 1, 2]);
  });

  it('reports the mean max probability of the kept characters as confidence', () => {
    // Kept: a (step 0, 0.8), b (step 3, 0.6); the repeat of a (0.2 lower) and blanks do not count.
    const p = probs([1, 1, 0, 2, 0], CLASSES, [0.8, 0.5, 0.99, 0.6, 0.99]);
    const r = ctcGreedyDecode(p, 5, CLASSES, ALPHABET);
    expect(r.text).toBe('ab');
    expect(r.confidence).toBeCloseTo((0.8 + 0.6) / 2, 6);
  });

  it('returns empty text with confidence 0 for all blanks or no steps', () => {
    expect(ctcGreedyDecode(probs([0, 0, 0], CLASSES), 3, CLASSES, ALPHABET)).toEqual({
      text: '',
      confidence: 0,
      steps: [],
    });
    expect(ctcGreedyDecode(new Float32Array(0), 0, CLASSES, ALPHABET)).toEqual({
      text: '',
      confidence: 0,
      steps: [],
    });
  });

  it('prefers the lower class on a tie (blank wins ties)', () => {
    const p = new Float32Array(CLASSES).fill(0.2);
    expect(ctcGreedyDecode(p, 1, CLASSES, ALPHABET).text).toBe('');
    p[0] = 0.1;
    expect(ctcGreedyDecode(p, 1, CLASSES, ALPHABET).text).toBe('a');
  });

  it('gives one step entry per UTF-16 unit, also for characters of several units', () => {
    const alphabet = ['x', '😀', '字', '𝒜'];
    const r = ctcGreedyDecode(probs([1, 0, 2, 2, 0, 3, 4], 5), 7, 5, alphabet);
    expect(r.text).toBe('x😀字𝒜');
    expect(r.text.length).toBe(6);
    expect(r.steps).toEqual([0, 2, 2, 5, 6, 6]);
    expect(r.steps).toHaveLength(r.text.length);
  });

  it('decodes one row of a batch at an offset', () => {
    const steps = 4;
    const rows = [
      [1, 0, 2, 2],
      [3, 3, 0, 3],
      [0, 4, 1, 0],
    ];
    const batch = new Float32Array(rows.length * steps * CLASSES);
    rows.forEach((row, i) => {
      batch.set(probs(row, CLASSES, 0.7 + i * 0.1), i * steps * CLASSES);
    });
    const decoded = rows.map((_, i) => ctcGreedyDecode(batch, steps, CLASSES, ALPHABET, i * steps * CLASSES));
    expect(decoded.map((r) => r.text)).toEqual(['ab', 'cc', ' a']);
    expect(decoded.map((r) => r.steps)).toEqual([
      [0, 2],
      [0, 3],
      [1, 2],
    ]);
    expect(decoded.map((r) => r.confidence)).toEqual([
      expect.closeTo(0.7, 6),
      expect.closeTo(0.8, 6),
      expect.closeTo(0.9, 6),
    ]);
  });

  it('emits nothing for a class beyond the alphabet', () => {
    // A model with more classes than the dictionary: the extra class decodes to ''.
    const r = ctcGreedyDecode(probs([1, 6, 2], 7), 3, 7, ALPHABET);
    expect(r.text).toBe('ab');
    expect(r.steps).toEqual([0, 2]);
  });
});
