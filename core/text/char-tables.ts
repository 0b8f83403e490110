/**
 * Character tables used by text normalization: invisible characters, homoglyphs of Latin letters and
 * leetspeak substitutions. Kept apart from the algorithm so that the lists can be reviewed on their own.
 */

/**
 * True for zero-width, invisible format, bidi control, variation selector and tag code points, and for U+FFFD, the
 * replacement character invalid bytes decode to: bytes slipped into a word must not split it for the text checks.
 */
export function isInvisible(cp: number): boolean {
  return (
    cp === 0xfffd ||
    (cp >= 0x200b && cp <= 0x200f) ||
    (cp >= 0x2060 && cp <= 0x2064) ||
    cp === 0xfeff ||
    cp === 0x00ad ||
    (cp >= 0x202a && cp <= 0x202e) ||
    (cp >= 0x2066 && cp <= 0x2069) ||
    cp === 0x180e ||
    cp === 0x034f ||
    // Hangul fillers render as blanks and are a known way to hide letters.
    cp === 0x115f ||
    cp === 0x1160 ||
    cp === 0x3164 ||
    cp === 0xffa0 ||
    (cp >= 0xfe00 && cp <= 0xfe0f) ||
    (cp >= 0xe0000 && cp <= 0xe007f) ||
    (cp >= 0xe0100 && cp <= 0xe01ef)
  );
}

/**
 * Cyrillic, Greek, Armenian and Cherokee letters that look like a Latin letter, mapped to that Latin letter (lowercase). Keyed by
 * the original (cased) character because case matters for the look: Greek capital eta looks like "H", its
 * lowercase like "n". Only applied inside words that are Latin by context, so real Russian or Greek text is
 * left alone.
 */
export const SCRIPT_CONFUSABLES: ReadonlyMap<number, number> = buildMap({
  // Cyrillic capitals
  А: 'a',
  В: 'b',
  С: 'c',
  Е: 'e',
  Ё: 'e',
  Н: 'h',
  І: 'i',
  Ї: 'i',
  Ј: 'j',
  К: 'k',
  М: 'm',
  О: 'o',
  Р: 'p',
  Ѕ: 's',
  Т: 't',
  У: 'y',
  Х: 'x',
  Ү: 'y',
  Һ: 'h',
  Ԁ: 'd',
  Ԛ: 'q',
  Ԝ: 'w',
  Ӏ: 'l',
  // Cyrillic small letters
  а: 'a',
  в: 'b',
  с: 'c',
  е: 'e',
  ё: 'e',
  г: 'r',
  н: 'h',
  п: 'n',
  і: 'i',
  ї: 'i',
  ј: 'j',
  к: 'k',
  м: 'm',
  о: 'o',
  р: 'p',
  ѕ: 's',
  т: 't',
  у: 'y',
  х: 'x',
  ү: 'y',
  һ: 'h',
  ԁ: 'd',
  ԛ: 'q',
  ԝ: 'w',
  ӏ: 'l',
  // Greek capitals
  Α: 'a',
  Β: 'b',
  Ε: 'e',
  Ζ: 'z',
  Η: 'h',
  Ι: 'i',
  Κ: 'k',
  Μ: 'm',
  Ν: 'n',
  Ο: 'o',
  Ρ: 'p',
  Τ: 't',
  Υ: 'y',
  Χ: 'x',
  // Greek small letters
  α: 'a',
  β: 'b',
  γ: 'y',
  ε: 'e',
  η: 'n',
  ι: 'i',
  κ: 'k',
  ν: 'v',
  ο: 'o',
  ρ: 'p',
  τ: 't',
  υ: 'u',
  χ: 'x',
  ω: 'w',
  ϲ: 'c',
  // Armenian letters that look Latin
  Օ: 'o',
  Ս: 'u',
  Տ: 's',
  Լ: 'l',
  օ: 'o',
  ս: 'u',
  ո: 'n',
  հ: 'h',
  ց: 'g',
  զ: 'q',
  // Cherokee capitals that look Latin, and their small forms (which lowercasing produces)
  Ꭺ: 'a',
  Ᏼ: 'b',
  Ꮯ: 'c',
  Ꭰ: 'd',
  Ꭼ: 'e',
  Ꮐ: 'g',
  Ꮋ: 'h',
  Ꭵ: 'i',
  Ꭻ: 'j',
  Ꮶ: 'k',
  Ꮮ: 'l',
  Ꮇ: 'm',
  Ꮲ: 'p',
  Ꮢ: 'r',
  Ꮪ: 's',
  Ꭲ: 't',
  Ꮩ: 'v',
  Ꮃ: 'w',
  Ꮓ: 'z',
  ꭺ: 'a',
  ᏼ: 'b',
  ꮯ: 'c',
  ꭰ: 'd',
  ꭼ: 'e',
  ꮐ: 'g',
  ꮋ: 'h',
  ꭵ: 'i',
  ꭻ: 'j',
  ꮶ: 'k',
  ꮮ: 'l',
  ꮇ: 'm',
  ꮲ: 'p',
  ꮢ: 'r',
  ꮪ: 's',
  ꭲ: 't',
  ꮩ: 'v',
  ꮃ: 'w',
  ꮓ: 'z',
});

/** Latin small capitals and IPA letters that NFKC leaves alone but read as a plain Latin letter. */
export const LATIN_LOOKALIKES: ReadonlyMap<number, number> = buildMap({
  ᴀ: 'a',
  ʙ: 'b',
  ᴄ: 'c',
  ᴅ: 'd',
  ᴇ: 'e',
  ꜰ: 'f',
  ɢ: 'g',
  ʜ: 'h',
  ɪ: 'i',
  ᴊ: 'j',
  ᴋ: 'k',
  ʟ: 'l',
  ᴍ: 'm',
  ɴ: 'n',
  ᴏ: 'o',
  ᴘ: 'p',
  ʀ: 'r',
  ꜱ: 's',
  ᴛ: 't',
  ᴜ: 'u',
  ᴠ: 'v',
  ᴡ: 'w',
  ʏ: 'y',
  ᴢ: 'z',
  ɑ: 'a',
  ɡ: 'g',
});

/** Typographic punctuation folded to its ASCII form so that lexicons only need the ASCII spelling. */
export const PUNCTUATION_FOLDS: ReadonlyMap<number, number> = buildMap({
  '\u2018': "'",
  '\u2019': "'",
  '\u201a': "'",
  '\u201b': "'",
  '\u2032': "'",
  '\u02bc': "'",
  '\u201c': '"',
  '\u201d': '"',
  '\u201e': '"',
  '\u201f': '"',
  '\u2033': '"',
  '\u2010': '-',
  '\u2011': '-',
  '\u2012': '-',
  '\u2013': '-',
  '\u2014': '-',
  '\u2015': '-',
  '\u2212': '-',
});

/**
 * Leetspeak substitutions. Digits and `@`/`$` fold when they sit in a run with Latin letters; `!` and `+`
 * only between two such characters, since at a word's end they are punctuation.
 */
export const LEET: ReadonlyMap<number, number> = buildMap({
  '0': 'o',
  '1': 'i',
  '3': 'e',
  '4': 'a',
  '5': 's',
  '6': 'g',
  '7': 't',
  '8': 'b',
  '9': 'g',
  '@': 'a',
  $: 's',
  '!': 'i',
  '+': 't',
});

/** Leet characters that only fold when both neighbours are letters or leet characters. */
export const LEET_INNER_ONLY: ReadonlySet<number> = new Set(['!'.charCodeAt(0), '+'.charCodeAt(0)]);

/** Characters used to space out the letters of an obfuscated word (`k.i.l.l`, `k-i-l-l`). */
export const SPACING_SEPARATORS: ReadonlySet<number> = new Set(
  ['.', '-', '_', '*', '~', '+', '/', '\u00b7', '\u2022', ' '].map((c) => c.charCodeAt(0)),
);

function buildMap(table: Record<string, string>): ReadonlyMap<number, number> {
  const map = new Map<number, number>();
  for (const [from, to] of Object.entries(table)) map.set(from.charCodeAt(0), to.charCodeAt(0));
  return map;
}
