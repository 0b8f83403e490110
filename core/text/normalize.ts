import { endianness } from 'node:os';
import {
  isInvisible,
  LATIN_LOOKALIKES,
  LEET,
  LEET_INNER_ONLY,
  PUNCTUATION_FOLDS,
  SCRIPT_CONFUSABLES,
  SPACING_SEPARATORS,
} from './char-tables';
import type { NormalizedText } from './normalized-text';

/**
 * Normalizes text for matching, keeping a map back to the original.
 *
 * Steps, in order:
 * 1. NFKC, applied per cluster (a code point and the combining marks after it), so every output unit can be
 *    traced to the cluster it came from. Zero-width, bidi-control and other invisible characters, and U+FFFD (what
 *    invalid bytes decode to), are dropped; marks still left on a Latin letter after composition are dropped, and
 *    a Latin letter under three marks or more (Zalgo text), or marks hung on one through an invisible character,
 *    lose them all; typographic quotes and dashes become ASCII.
 * 2. Cyrillic, Greek, Armenian and Cherokee homoglyphs become Latin letters inside words that are Latin by
 *    majority or, for words made only of homoglyphs, by the nearest decided word before them (else after them), so
 *    genuine Russian or Greek text is left alone. Latin small capitals become plain letters. Then everything is lowercased.
 * 3. Letters spaced out with one repeated separator (`k.i.l.l`, `k-i-l-l`, or `s h i t` with four or more
 *    letters) are joined.
 * 4. Leetspeak (`0`→o, `1`→i, `3`→e, `4`→a, `5`→s, `7`→t, `@`→a, `$`→s, …) is folded only in runs that also
 *    hold a Latin letter and no three digits in a row, so years, prices, phone numbers and ids stay as they are.
 *
 * Runs in linear time. `offsets[i]` is the original index of normalized unit `i`; a character that expands
 * under NFKC (`ﬁ` → `fi`) maps all its units to its own start. Offsets never decrease.
 */
export function normalizeText(text: string): NormalizedText {
  const lowered = NON_ASCII.test(text)
    ? foldConfusablesAndLowercase(composeAndStrip(text))
    : lowerAscii(text);
  joinSpacedLetters(lowered);
  foldLeetspeak(lowered);
  const offsets = new Int32Array(lowered.length + 1);
  offsets.set(lowered.origins.subarray(0, lowered.length));
  offsets[lowered.length] = text.length;
  return { text: unitsToString(lowered.units, lowered.length), offsets };
}

/** A growable buffer of UTF-16 units, each with the original index it came from. */
class UnitBuffer {
  units: Uint16Array;
  origins: Int32Array;
  length = 0;

  constructor(capacity: number) {
    this.units = new Uint16Array(Math.max(16, capacity));
    this.origins = new Int32Array(Math.max(16, capacity));
  }

  push(unit: number, origin: number): void {
    if (this.length === this.units.length) this.grow();
    this.units[this.length] = unit;
    this.origins[this.length] = origin;
    this.length++;
  }

  private grow(): void {
    const size = Math.ceil(this.units.length * 1.5) + 16;
    const units = new Uint16Array(size);
    units.set(this.units);
    const origins = new Int32Array(size);
    origins.set(this.origins);
    this.units = units;
    this.origins = origins;
  }
}

// ---------------------------------------------------------------------------------------------------------
// Character classes and lazily filled per-unit tables (the hot loops must not touch maps or regexes).

const OTHER = 0;
const LATIN = 1;
const CONFUSABLE = 2;
const LETTER = 3;
const MARK = 4;
const DIGIT = 5;
const UNKNOWN = -1;

const MARK_RE = /^\p{M}$/u;
const LETTER_RE = /^\p{L}$/u;
const LATIN_RE = /^\p{Script=Latin}$/u;

function classifyCodePoint(cp: number): number {
  if (cp >= 0x30 && cp <= 0x39) return DIGIT;
  if ((cp >= 0x41 && cp <= 0x5a) || (cp >= 0x61 && cp <= 0x7a)) return LATIN;
  if (cp < 0x80 || (cp >= 0xd800 && cp <= 0xdfff)) return OTHER;
  const ch = String.fromCodePoint(cp);
  if (MARK_RE.test(ch)) return MARK;
  if (SCRIPT_CONFUSABLES.has(cp)) return CONFUSABLE;
  if (LETTER_RE.test(ch)) return LATIN_RE.test(ch) ? LATIN : LETTER;
  return OTHER;
}

const classTable = new Int8Array(0x10000).fill(UNKNOWN);

function classOf(cp: number): number {
  if (cp > 0xffff) return classifyCodePoint(cp);
  let c = classTable[cp] as number;
  if (c === UNKNOWN) {
    c = classifyCodePoint(cp);
    classTable[cp] = c;
  }
  return c;
}

/** 1 when a unit passes step 1 unchanged (NFKC-stable, visible, not a mark, not folded, not a jamo lead). */
const stableTable = new Int8Array(0x10000).fill(UNKNOWN);
for (let u = 0; u < 0x80; u++) stableTable[u] = 1;

function isStable(u: number): boolean {
  let s = stableTable[u] as number;
  if (s === UNKNOWN) {
    const ch = String.fromCharCode(u);
    s =
      (u >= 0xd800 && u <= 0xdfff) ||
      isInvisible(u) ||
      PUNCTUATION_FOLDS.has(u) ||
      classOf(u) === MARK ||
      isHangulLeadingJamo(u) ||
      ch.normalize('NFKC') !== ch
        ? 0
        : 1;
    stableTable[u] = s;
  }
  return s === 1;
}

const MULTI_UNIT = 0xffff;
/** Lowercase of each unit when it is one unit; 0 = not computed yet; MULTI_UNIT = see `multiUnitLower`. */
const lowerTable = new Uint16Array(0x10000);
const multiUnitLower = new Map<number, string>();

function lowerOf(u: number): number {
  let l = lowerTable[u] as number;
  if (l === 0) {
    const lowered = String.fromCharCode(u).toLowerCase();
    if (lowered.length === 1 && u !== MULTI_UNIT) {
      l = lowered.charCodeAt(0);
    } else {
      l = MULTI_UNIT;
      multiUnitLower.set(u, lowered);
    }
    lowerTable[u] = l;
  }
  return l;
}

// Flags for ASCII units.
const F_LETTER = 1;
const F_DIGIT = 2;
const F_LEET = 4;
const F_ITEM = 8;
const F_SEPARATOR = 16;
const ASCII_FLAGS = new Uint8Array(0x80);
const ASCII_LEET = new Uint8Array(0x80);
for (let u = 0; u < 0x80; u++) {
  const cls = classifyCodePoint(u);
  let f = 0;
  if (cls === LATIN) f |= F_LETTER | F_ITEM;
  if (cls === DIGIT) f |= F_DIGIT | F_ITEM;
  if (u === 0x40 || u === 0x24) f |= F_ITEM;
  const leet = LEET.get(u);
  if (leet !== undefined) {
    f |= F_LEET;
    ASCII_LEET[u] = leet;
  }
  if (SPACING_SEPARATORS.has(u)) f |= F_SEPARATOR;
  ASCII_FLAGS[u] = f;
}

function isLetterClass(cls: number): boolean {
  return cls === LATIN || cls === CONFUSABLE || cls === LETTER;
}

/** A unit that can be part of a (possibly obfuscated) word: a letter, mark, digit or leet symbol. */
function isWordish(u: number): boolean {
  if (u < 0x80) return ((ASCII_FLAGS[u] as number) & (F_LETTER | F_DIGIT | F_LEET)) !== 0;
  const cls = classOf(u);
  return isLetterClass(cls) || cls === MARK;
}

/** One spaced-out character: a letter, digit, `@` or `$` (`!` and `+` are read as separators there). */
function isSpacedItem(u: number): boolean {
  if (u < 0x80) return ((ASCII_FLAGS[u] as number) & F_ITEM) !== 0;
  return isLetterClass(classOf(u));
}

function isLetterUnit(u: number): boolean {
  if (u < 0x80) return ((ASCII_FLAGS[u] as number) & F_LETTER) !== 0;
  return isLetterClass(classOf(u));
}

function isSeparator(u: number): boolean {
  if (u < 0x80) return ((ASCII_FLAGS[u] as number) & F_SEPARATOR) !== 0;
  return SPACING_SEPARATORS.has(u);
}

function isHangulLeadingJamo(cp: number): boolean {
  return cp >= 0x1100 && cp <= 0x115e;
}

function isHangulVowelOrTrailingJamo(cp: number): boolean {
  return cp >= 0x1161 && cp <= 0x11ff;
}

function codePointAt(s: string, i: number, n: number): number {
  const c = s.charCodeAt(i);
  if (c >= 0xd800 && c <= 0xdbff && i + 1 < n) {
    const d = s.charCodeAt(i + 1);
    if (d >= 0xdc00 && d <= 0xdfff) return ((c - 0xd800) << 10) + (d - 0xdc00) + 0x10000;
  }
  return c;
}

/** True when a visible combining mark starts at `i`. */
function markAt(s: string, i: number, n: number): boolean {
  if (i >= n || s.charCodeAt(i) < 0x300) return false;
  const cp = codePointAt(s, i, n);
  return classOf(cp) === MARK && !isInvisible(cp);
}

// ---------------------------------------------------------------------------------------------------------
// Steps 1 and 2 for pure ASCII text, where they reduce to lowercasing.

const NON_ASCII = /[\u0080-\uffff]/;

function lowerAscii(text: string): UnitBuffer {
  const n = text.length;
  const out = new UnitBuffer(n);
  const { units, origins } = out;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    units[i] = c >= 0x41 && c <= 0x5a ? c + 0x20 : c;
    origins[i] = i;
  }
  out.length = n;
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// Step 1

function composeAndStrip(text: string): UnitBuffer {
  const n = text.length;
  const out = new UnitBuffer(n + 16);
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if ((c < 0x80 || isStable(c)) && !markAt(text, i + 1, n)) {
      out.push(c, i);
      i++;
      continue;
    }
    const cp = codePointAt(text, i, n);
    const width = cp > 0xffff ? 2 : 1;
    if (isInvisible(cp)) {
      i += width;
      continue;
    }
    let end = i + width;
    let marks = 0;
    while (end < n) {
      const next = codePointAt(text, end, n);
      if (!markAt(text, end, n) && !(isHangulLeadingJamo(cp) && isHangulVowelOrTrailingJamo(next))) break;
      end += next > 0xffff ? 2 : 1;
      marks++;
    }
    const cls = classOf(cp);
    if (
      (marks >= ZALGO_MARKS && (cls === LATIN || cls === CONFUSABLE)) ||
      (cls === MARK && out.length > 0 && classOf(out.units[out.length - 1] as number) === LATIN)
    ) {
      // Zalgo: a Latin letter (or a homoglyph of one) under a pile of marks, where composing the first would leave
      // an accented letter; or marks hung on the Latin letter before through an invisible character. Only the
      // letter is kept, and the pile is never normalized (it can be megabytes long).
      if (cls !== MARK) {
        const base = String.fromCodePoint(cp);
        const composed = base.normalize('NFKC');
        emitComposed(out, composed, i, composed === base);
      }
      i = end;
      continue;
    }
    const cluster = text.slice(i, end);
    // A lone surrogate has no normal form; keep it as it is.
    const composed = width === 1 && c >= 0xd800 && c <= 0xdfff ? cluster : cluster.normalize('NFKC');
    emitComposed(out, composed, i, composed === cluster);
    i = end;
  }
  return out;
}

/** A Latin letter carrying this many combining marks or more is Zalgo text: no language stacks three. */
const ZALGO_MARKS = 3;

function emitComposed(out: UnitBuffer, composed: string, origin: number, unchanged: boolean): void {
  const len = composed.length;
  let latinBase = false;
  let k = 0;
  while (k < len) {
    const cp = codePointAt(composed, k, len);
    const width = cp > 0xffff ? 2 : 1;
    const cls = classOf(cp);
    if (!isInvisible(cp) && !(cls === MARK && latinBase)) {
      const folded = PUNCTUATION_FOLDS.get(cp);
      out.push(folded ?? composed.charCodeAt(k), unchanged ? origin + k : origin);
      if (width === 2) out.push(composed.charCodeAt(k + 1), unchanged ? origin + k + 1 : origin);
      if (cls !== MARK) latinBase = cls === LATIN;
    }
    k += width;
  }
}

// ---------------------------------------------------------------------------------------------------------
// Step 2

const FOLD_UNDECIDED = 2;

function foldConfusablesAndLowercase(input: UnitBuffer): UnitBuffer {
  const { units, origins, length } = input;
  const fold = decideConfusableFolding(units, length);
  const out = new UnitBuffer(length + 16);
  for (let k = 0; k < length; k++) {
    const u = units[k] as number;
    const origin = origins[k] as number;
    if (u < 0x80) {
      out.push(u >= 0x41 && u <= 0x5a ? u + 0x20 : u, origin);
      continue;
    }
    if (fold !== null && fold[k] === 1) {
      out.push(SCRIPT_CONFUSABLES.get(u) as number, origin);
      continue;
    }
    if (u >= 0xd800 && u <= 0xdbff && k + 1 < length) {
      const low = units[k + 1] as number;
      if (low >= 0xdc00 && low <= 0xdfff) {
        const lowered = String.fromCharCode(u, low).toLowerCase();
        for (let j = 0; j < lowered.length; j++)
          out.push(lowered.charCodeAt(j), j === 0 ? origin : (origins[k + 1] as number));
        k++;
        continue;
      }
    }
    const lookalike = u >= 0x250 ? LATIN_LOOKALIKES.get(u) : undefined;
    if (lookalike !== undefined) {
      out.push(lookalike, origin);
      continue;
    }
    const l = lowerOf(u);
    if (l !== MULTI_UNIT) {
      out.push(l, origin);
    } else {
      const lowered = multiUnitLower.get(u) as string;
      for (let j = 0; j < lowered.length; j++) out.push(lowered.charCodeAt(j), origin);
    }
  }
  return out;
}

/**
 * Marks the homoglyph units that should become Latin, or returns null when there are none. A word (a run of
 * letters and marks) folds when it has more Latin letters than other letters; a word made only of homoglyphs
 * follows the previous decided word, or the first decided word when none came before.
 */
function decideConfusableFolding(units: Uint16Array, length: number): Uint8Array | null {
  let fold: Uint8Array | null = null;
  let previous = FOLD_UNDECIDED;
  let firstDecided = FOLD_UNDECIDED;
  const pending: number[] = [];
  let k = 0;
  while (k < length) {
    if ((units[k] as number) < 0x80 && ((ASCII_FLAGS[units[k] as number] as number) & F_LETTER) === 0) {
      k++;
      continue;
    }
    const start = k;
    let latin = 0;
    let other = 0;
    let confusable = 0;
    while (k < length) {
      const u = units[k] as number;
      const c = u < 0x80 ? ((ASCII_FLAGS[u] as number) & F_LETTER ? LATIN : OTHER) : classOf(u);
      if (c === LATIN) latin++;
      else if (c === LETTER) other++;
      else if (c === CONFUSABLE) confusable++;
      else if (c !== MARK) break;
      k++;
    }
    if (k === start) {
      k++;
      continue;
    }
    const own = latin + other > 0 ? (latin > other ? 1 : 0) : FOLD_UNDECIDED;
    if (own !== FOLD_UNDECIDED) {
      previous = own;
      if (firstDecided === FOLD_UNDECIDED) firstDecided = own;
    }
    if (confusable === 0) continue;
    const decision = own !== FOLD_UNDECIDED ? own : previous;
    if (decision === FOLD_UNDECIDED) {
      pending.push(start, k);
    } else if (decision === 1) {
      fold ??= new Uint8Array(length);
      markConfusables(units, fold, start, k);
    }
  }
  if (firstDecided === 1 && pending.length > 0) {
    fold ??= new Uint8Array(length);
    for (let p = 0; p < pending.length; p += 2)
      markConfusables(units, fold, pending[p] as number, pending[p + 1] as number);
  }
  return fold;
}

function markConfusables(units: Uint16Array, fold: Uint8Array, start: number, end: number): void {
  for (let j = start; j < end; j++) if (classOf(units[j] as number) === CONFUSABLE) fold[j] = 1;
}

// ---------------------------------------------------------------------------------------------------------
// Step 3

/** Joins, in place, letters spaced out by one repeated separator (three or more; four or more with spaces). */
function joinSpacedLetters(buf: UnitBuffer): void {
  const { units, origins, length } = buf;
  // Writing never overtakes reading (out <= k), and the only unit read behind `k` is `k - 1`, which is only
  // overwritten when nothing was removed yet, that is with its own value.
  let out = 0;
  let k = 0;
  while (k < length) {
    const u = units[k] as number;
    const startsRun =
      k + 2 < length &&
      isSeparator(units[k + 1] as number) &&
      isSpacedItem(u) &&
      (k === 0 || !isWordish(units[k - 1] as number)) &&
      isSpacedItem(units[k + 2] as number);
    if (!startsRun) {
      units[out] = u;
      origins[out] = origins[k] as number;
      out++;
      k++;
      continue;
    }
    const sep = units[k + 1] as number;
    let last = k;
    let items = 1;
    let letters = isLetterUnit(u) ? 1 : 0;
    while (last + 2 < length && units[last + 1] === sep) {
      const next = last + 2;
      const nu = units[next] as number;
      const after = next + 1 < length ? (units[next + 1] as number) : -1;
      if (!isSpacedItem(nu) || (after !== -1 && after !== sep && isWordish(after))) break;
      last = next;
      items++;
      if (isLetterUnit(nu)) letters++;
    }
    const keepAll = items < (sep === 0x20 ? 4 : 3) || letters === 0;
    // When rejected, the whole scanned stretch is copied: any shorter part of it would be rejected too, and
    // rescanning it item by item would be quadratic.
    for (let j = k; j <= last; j += keepAll ? 1 : 2) {
      units[out] = units[j] as number;
      origins[out] = origins[j] as number;
      out++;
    }
    k = last + 1;
  }
  buf.length = out;
}

// ---------------------------------------------------------------------------------------------------------
// Step 4

/** Folds leetspeak in place, in runs that hold a Latin letter and no three digits in a row. */
function foldLeetspeak(buf: UnitBuffer): void {
  const { units, length } = buf;
  let k = 0;
  while (k < length) {
    if (!isWordish(units[k] as number)) {
      k++;
      continue;
    }
    const start = k;
    let hasLatin = false;
    let hasLeet = false;
    let digitRun = 0;
    let maxDigitRun = 0;
    while (k < length) {
      const u = units[k] as number;
      if (u < 0x80) {
        const f = ASCII_FLAGS[u] as number;
        if ((f & (F_LETTER | F_DIGIT | F_LEET)) === 0) break;
        if ((f & F_LETTER) !== 0) hasLatin = true;
        if ((f & F_LEET) !== 0) hasLeet = true;
        if ((f & F_DIGIT) !== 0) {
          digitRun++;
          if (digitRun > maxDigitRun) maxDigitRun = digitRun;
        } else {
          digitRun = 0;
        }
      } else {
        if (!isWordish(u)) break;
        digitRun = 0;
      }
      k++;
    }
    if (!hasLatin || !hasLeet || maxDigitRun >= 3) continue;
    for (let j = start; j < k; j++) {
      const u = units[j] as number;
      if (u >= 0x80) continue;
      const to = ASCII_LEET[u] as number;
      if (to === 0) continue;
      if (LEET_INNER_ONLY.has(u) && (j === start || j === k - 1)) continue;
      units[j] = to;
    }
  }
}

// ---------------------------------------------------------------------------------------------------------

const LITTLE_ENDIAN = endianness() === 'LE';
const utf16Decoder = LITTLE_ENDIAN ? new TextDecoder('utf-16le') : null;

function unitsToString(units: Uint16Array, length: number): string {
  // The decoder turns lone surrogates into U+FFFD, one unit for one, so indices stay valid.
  if (utf16Decoder !== null) return utf16Decoder.decode(units.subarray(0, length));
  const CHUNK = 8192;
  const parts: string[] = [];
  for (let p = 0; p < length; p += CHUNK) {
    parts.push(String.fromCharCode(...units.subarray(p, Math.min(length, p + CHUNK))));
  }
  return parts.join('');
}
