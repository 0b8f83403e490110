import { normalizeText } from '../../../core/text/normalize';
import { prng } from '../../helpers/prng';

/** Small seeded PRNG (mulberry32), so failures reproduce. */

// Characters chosen to exercise every step: ASCII, leet, separators, invisibles, marks, homoglyphs, NFKC
// expansions, case changes that grow (İ), astral letters, emoji and lone surrogates.
const ALPHABET = [
  ...'abcXYZ 019345@$!+.-_*~/\n\t',
  '\u200b',
  '\u200d',
  '\u00ad',
  '\u202e',
  '\u2066',
  '\ufeff',
  '\u0301',
  '\u0338',
  '\u0308',
  'é',
  'ß',
  'İ',
  'ﬁ',
  '㎏',
  'ｆ',
  'а',
  'с',
  'о',
  'Ж',
  'α',
  'Ο',
  'ᴀ',
  '’',
  '—',
  '가',
  '\u1100',
  '\u1161',
  'ﷺ',
  '𝐟',
  '😀',
  '\ufe0f',
  '\u{e0041}',
  '\ud800',
  '\udc00',
  '你',
];

function randomString(rand: () => number, maxLength: number): string {
  const len = Math.floor(rand() * maxLength);
  let s = '';
  for (let i = 0; i < len; i++) s += ALPHABET[Math.floor(rand() * ALPHABET.length)];
  return s;
}

describe('normalizeText offsets (property-based)', () => {
  it('are monotonic, in bounds, one longer than the text, and end at the original length', () => {
    const rand = prng(20260325);
    for (let run = 0; run < 3000; run++) {
      const original = randomString(rand, 40);
      const { text, offsets } = normalizeText(original);
      expect(offsets).toBeInstanceOf(Int32Array);
      expect(offsets.length).toBe(text.length + 1);
      expect(offsets[text.length]).toBe(original.length);
      for (let i = 0; i < text.length; i++) {
        const o = offsets[i] as number;
        if (o < 0 || o >= original.length || o > (offsets[i + 1] as number)) {
          throw new Error(
            `bad offset ${o} at ${i} for ${JSON.stringify(original)} -> ${JSON.stringify(text)}`,
          );
        }
      }
    }
  });

  it('maps every ASCII letter that survives back to the same letter, case-folded', () => {
    const rand = prng(7);
    for (let run = 0; run < 1000; run++) {
      const original = randomString(rand, 30);
      const { text, offsets } = normalizeText(original);
      for (let i = 0; i < text.length; i++) {
        const src = original[offsets[i] as number] as string;
        if (/[A-Za-z]/.test(src) && /[a-z]/.test(text[i] as string) && src.toLowerCase() !== text[i]) {
          throw new Error(`${JSON.stringify(original)}: ${text[i]} at ${i} maps to ${src}`);
        }
      }
    }
  });

  it('is idempotent on its own output for plain text', () => {
    for (const s of ['hello world', 'shit happens', 'kill you', 'привет мир', '你好']) {
      expect(normalizeText(normalizeText(s).text).text).toBe(normalizeText(s).text);
    }
  });
});

describe('normalizeText folding', () => {
  const n = (s: string) => normalizeText(s).text;

  it('applies NFKC and lowercases', () => {
    expect(n('ＦＵＬＬ width')).toBe('full width');
    expect(n('𝐁𝐨𝐥𝐝')).toBe('bold');
    expect(n('ﬁne')).toBe('fine');
    expect(n('e\u0301cole')).toBe('école');
    expect(n('HELLO')).toBe('hello');
  });

  it('removes zero-width, soft hyphen, bidi controls and tag characters', () => {
    expect(n('i\u200bd\u200ci\u200do\u200et\u200f')).toBe('idiot');
    expect(n('wo\u00adrd \u202ereversed\u202c \u2066iso\u2069 \ufeffbom')).toBe('word reversed iso bom');
    expect(n('t\u{e0061}ag')).toBe('tag');
  });

  it('drops Zalgo marks on Latin letters but keeps marks other scripts need', () => {
    expect(n('z̸a̸l̸g̸o̸')).toBe('zalgo');
    expect(n('नमस्ते')).toBe('नमस्ते'.normalize('NFKC'));
  });

  it('folds Cyrillic and Greek homoglyphs inside Latin words only', () => {
    expect(n('fuсk')).toBe('fuck'); // Cyrillic es
    expect(n('you are an аѕѕ')).toBe('you are an ass'); // all-homoglyph word after Latin words
    expect(n('Привет, как дела? сука')).toBe('привет, как дела? сука');
    expect(n('Ελληνικά κείμενο')).toBe('ελληνικά κείμενο');
    expect(n('ʜᴇʟʟᴏ')).toBe('hello');
  });

  it('folds typographic quotes and dashes', () => {
    expect(n('don’t “quote” – dash')).toBe('don\'t "quote" - dash');
  });

  it('folds leetspeak inside words but leaves numbers alone', () => {
    expect(n('sh1t h4x0r l33t')).toBe('shit haxor leet');
    expect(n('a$$hole b!tch bi+ch')).toBe('asshole bitch bitch');
    expect(n('In 2026 call 555-123-4567, pay $5 or 10%!')).toBe('in 2026 call 555-123-4567, pay $5 or 10%!');
    expect(n('order AB123456')).toBe('order ab123456');
    expect(n('hello!')).toBe('hello!');
  });

  it('joins letters spaced out with one repeated separator', () => {
    expect(n('k.i.l.l y-o-u')).toBe('kill you');
    expect(n('s h i t happens')).toBe('shit happens');
    expect(n('f*u*c*k')).toBe('fuck');
    expect(n('U.S.A. e.g. 1.2.3 a b c')).toBe('usa. e.g. 1.2.3 a b c');
  });

  it('maps spans back to the original text', () => {
    const original = 'Yo\u200bu are an I\u200bD\u200bI\u200bO\u200bT!';
    const { text, offsets } = normalizeText(original);
    const s = text.indexOf('idiot');
    expect(s).toBeGreaterThan(0);
    expect(original.slice(offsets[s], offsets[s + 5])).toBe('I\u200bD\u200bI\u200bO\u200bT');
  });

  it('handles empty and whitespace-only text', () => {
    expect(normalizeText('')).toEqual({ text: '', offsets: new Int32Array([0]) });
    expect(normalizeText(' \n').text).toBe(' \n');
  });

  // Quadratic behaviour would run for minutes here; the test timeout is the guard.
  it('finishes on long pathological input', () => {
    for (const unit of ['a', 'a.', '1.', 'аa', '\u0301']) {
      const text = unit.repeat(Math.ceil(1_000_000 / unit.length));
      const { offsets } = normalizeText(text);
      expect(offsets[offsets.length - 1]).toBe(text.length);
    }
  });
});
