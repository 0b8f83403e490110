import {
  fnv1a,
  type HashedNgramConfig,
  HashedNgramConfigSchema,
  hashedNgrams,
  textWindows,
} from '../../../core/detectors/text/hashed-ngrams';

const CONFIG: HashedNgramConfig = {
  dims: 2 ** 18,
  charNgrams: [2, 5],
  wordNgrams: [1, 2],
  windowChars: 8000,
};

describe('fnv1a', () => {
  it('matches the published FNV-1a 32-bit test vectors on UTF-16 code units', () => {
    expect(fnv1a('')).toBe(0x811c9dc5);
    expect(fnv1a('a')).toBe(0xe40c292c);
    expect(fnv1a('foobar')).toBe(0xbf9cf968);
  });

  it('hashes code units, so a non-ASCII character is one step', () => {
    expect(fnv1a('é')).not.toBe(fnv1a('e'));
    expect(fnv1a('ab', 1)).not.toBe(fnv1a('ab'));
  });
});

describe('hashedNgrams', () => {
  it('is deterministic and returns sorted, unique, in-range buckets with unit L2 norm', () => {
    const a = hashedNgrams('the garden club meets on tuesday', CONFIG);
    const b = hashedNgrams('the garden club meets on tuesday', CONFIG);
    expect(Array.from(a.indices)).toEqual(Array.from(b.indices));
    expect(Array.from(a.values)).toEqual(Array.from(b.values));
    for (let i = 1; i < a.indices.length; i++)
      expect(a.indices[i] as number).toBeGreaterThan(a.indices[i - 1] as number);
    for (const i of a.indices) expect(i).toBeLessThan(CONFIG.dims);
    const norm = Math.sqrt(Array.from(a.values).reduce((s, v) => s + v * v, 0));
    expect(norm).toBeCloseTo(1, 5);
  });

  it('keeps the buckets the committed model was trained with (a change here needs retraining)', () => {
    const f = hashedNgrams('Hi there', {
      dims: 2 ** 16,
      charNgrams: [2, 3],
      wordNgrams: [1, 2],
      windowChars: 100,
    });
    expect(Array.from(f.indices)).toEqual(GOLDEN_INDICES);
  });

  it('counts repeats sublinearly and treats whitespace runs as one space', () => {
    const once = hashedNgrams('tomato', CONFIG);
    const spaced = hashedNgrams('  tomato \n\t ', CONFIG);
    expect(Array.from(spaced.indices)).toEqual(Array.from(once.indices));
    const twice = hashedNgrams('tomato tomato', CONFIG);
    expect(twice.indices.length).toBeGreaterThan(once.indices.length);
  });

  it('separates character and word n-grams and can turn either off', () => {
    const chars = hashedNgrams('garden club', { ...CONFIG, wordNgrams: [0, 0] });
    const words = hashedNgrams('garden club', { ...CONFIG, charNgrams: [0, 0] });
    expect(words.indices.length).toBe(3);
    expect(chars.indices.length).toBeGreaterThan(20);
    expect(hashedNgrams('', CONFIG).indices.length).toBe(0);
    expect(hashedNgrams('   ', { ...CONFIG, charNgrams: [0, 0] }).indices.length).toBe(0);
  });

  it('handles scripts without spaces and astral characters', () => {
    const zh = hashedNgrams('今天天气很好', CONFIG);
    expect(zh.indices.length).toBeGreaterThan(10);
    const astral = hashedNgrams('𝒶𝒷 ok', CONFIG);
    expect(astral.indices.length).toBeGreaterThan(5);
  });

  it('is linear in the text length', () => {
    const text = 'the quick brown fox jumps over the lazy dog. '.repeat(1000);
    const t0 = performance.now();
    hashedNgrams(text, CONFIG);
    expect(performance.now() - t0).toBeLessThan(2000);
  });

  it('validates its settings', () => {
    expect(HashedNgramConfigSchema.safeParse(CONFIG).success).toBe(true);
    expect(HashedNgramConfigSchema.safeParse({ ...CONFIG, dims: 1000 }).success).toBe(false);
  });
});

describe('textWindows', () => {
  it('returns the whole text when it fits', () => {
    expect(textWindows('short text', 100)).toEqual([[0, 10]]);
  });

  it('cuts long texts into consecutive windows at whitespace, up to a maximum', () => {
    const text = 'word '.repeat(1000);
    const windows = textWindows(text, 256);
    expect(windows[0]?.[0]).toBe(0);
    expect(windows.at(-1)?.[1]).toBe(text.length);
    for (const [i, [s, e]] of windows.entries()) {
      expect(e - s).toBeLessThanOrEqual(256);
      if (i > 0) expect(s).toBe(windows[i - 1]?.[1]);
      if (e < text.length) expect(text[e]).toBe(' ');
    }
    expect(textWindows(text, 256, 3)).toHaveLength(3);
    expect(textWindows('x'.repeat(1000), 256).map(([s, e]) => e - s)).toEqual([256, 256, 256, 232]);
  });
});

const GOLDEN_INDICES = [
  758, 6367, 8401, 12430, 17828, 19540, 19742, 25143, 27578, 29282, 30826, 34238, 40562, 41775, 42969, 43590,
  45972, 50335, 50943, 63867,
];
