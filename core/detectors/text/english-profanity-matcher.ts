import {
  DataSet,
  type EnglishProfaneWord,
  englishDataset,
  englishRecommendedTransformers,
  type ParsedPattern,
  type SimpleTransformerContainer,
  type StatefulTransformerContainer,
  SyntaxKind,
} from 'obscenity';
import { DROPPED_ENGLISH_TERMS, EXTRA_WHITELIST } from './profanity-lexicon';

/** One English dataset term found, in indices of the searched text (`end` exclusive). */
export interface EnglishTermMatch {
  readonly start: number;
  readonly end: number;
  readonly word: EnglishProfaneWord;
  /** Id of the matching pattern in the dataset (obscenity's `termId`). */
  readonly termId: number;
  /** Code points matched (obscenity's `matchLength`). */
  readonly length: number;
}

type Transformer = SimpleTransformerContainer | StatefulTransformerContainer;

interface CompiledTerm {
  readonly id: number;
  readonly word: EnglishProfaneWord;
  /** The pattern's regex, sticky, to test one position. */
  readonly sticky: RegExp;
}

// Little-endian UTF-16, as typed arrays are laid out on every platform Node supports in practice.
const UTF16 = new TextDecoder('utf-16le');

/**
 * Finds the terms of obscenity's English dataset exactly as obscenity's `RegExpMatcher` does with the
 * recommended transformers (same data, same transformers, same per-pattern regexes, same whitelist rule), but
 * in linear time: obscenity's own matcher gets slower than linear on long inputs and costs about half a
 * microsecond per character even on short pieces, too much for 16 MB texts.
 *
 * How: the blacklist transformers are applied to the whole text once; all patterns, joined into one regex,
 * locate the stretches where any pattern can match (every match of a pattern starts inside a match of the
 * joined regex, since the joined regex tries that pattern at that position unless an earlier match covers it);
 * only there is each pattern tried, keeping obscenity's leftmost, non-overlapping matches per pattern. A match
 * lying wholly inside a whitelisted phrase (found on the whitelist-transformed text) is dropped. A unit test
 * compares the results with obscenity's matcher on random texts.
 */
export class EnglishProfanityMatcher {
  private readonly termsByFirstChar = new Map<number, CompiledTerm[]>();
  private readonly termsStartingAnywhere: CompiledTerm[] = [];
  private readonly maxTermId: number;
  private readonly locator: RegExp;
  private readonly whitelist: readonly string[];
  private readonly blacklistTransform: (text: string) => Transformed;
  private readonly whitelistTransform: (text: string) => Transformed;

  constructor() {
    const dataset = buildEnglishDataset();
    const built = dataset.build();
    for (const t of built.blacklistedTerms) {
      const payload = { termId: t.id, startIndex: 0, endIndex: 0, matchLength: 0 };
      const word = dataset.getPayloadWithPhraseMetadata(payload).phraseMetadata?.originalWord;
      if (word === undefined) continue;
      const term: CompiledTerm = { id: t.id, word, sticky: new RegExp(patternSource(t.pattern), 'ys') };
      const first = firstChars(t.pattern);
      if (first === 'any') this.termsStartingAnywhere.push(term);
      for (const c of first === 'any' ? [] : first) {
        const list = this.termsByFirstChar.get(c) ?? [];
        list.push(term);
        this.termsByFirstChar.set(c, list);
      }
    }
    this.maxTermId = Math.max(0, ...built.blacklistedTerms.map((t) => t.id));
    this.locator = new RegExp(built.blacklistedTerms.map((t) => patternSource(t.pattern)).join('|'), 'gs');
    this.whitelist = built.whitelistedTerms ?? [];
    this.blacklistTransform = createTransform(
      englishRecommendedTransformers.blacklistMatcherTransformers ?? [],
    );
    this.whitelistTransform = createTransform(
      englishRecommendedTransformers.whitelistMatcherTransformers ?? [],
    );
  }

  /**
   * All dataset terms in `text`, sorted by position (then end, then pattern), like obscenity's sorted output.
   * With `maxPerPattern`, a pattern stops being searched once it has that many (non-whitelisted) matches;
   * the other patterns are unaffected.
   */
  matches(text: string, signal?: AbortSignal, maxPerPattern = Number.POSITIVE_INFINITY): EnglishTermMatch[] {
    const black = this.blacklistTransform(text);
    const out: EnglishTermMatch[] = [];
    // Per pattern id: where its last match ended, and how many matches were kept.
    const lastEnd = new Int32Array(this.maxTermId + 1);
    const kept = new Float64Array(this.maxTermId + 1);
    let whitelisted: IntervalSet | null = null;
    let scannedTo = 0;
    let steps = 0;
    const re = this.locator;
    re.lastIndex = 0;
    for (let m = re.exec(black.text); m !== null; m = re.exec(black.text)) {
      if ((++steps & 0x3ff) === 0) signal?.throwIfAborted();
      const to = m.index + m[0].length;
      for (let at = Math.max(m.index, scannedTo); at < to; at++) {
        for (const term of this.candidates(black.text.charCodeAt(at))) {
          if (at < (lastEnd[term.id] as number) || (kept[term.id] as number) >= maxPerPattern) continue;
          term.sticky.lastIndex = at;
          const hit = term.sticky.exec(black.text);
          if (hit === null) continue;
          // obscenity finds a pattern's matches left to right without overlaps, then drops whitelisted ones.
          lastEnd[term.id] = at + hit[0].length;
          const start = black.origins[at] as number;
          let endInclusive = black.origins[at + hit[0].length - 1] as number;
          if (
            isHighSurrogate(text.charCodeAt(endInclusive)) &&
            isLowSurrogate(text.charCodeAt(endInclusive + 1))
          ) {
            endInclusive++;
          }
          whitelisted ??= this.whitelistedIntervals(text);
          if (whitelisted.covers(start, endInclusive)) continue;
          kept[term.id] = (kept[term.id] as number) + 1;
          out.push({
            start,
            end: endInclusive + 1,
            word: term.word,
            termId: term.id,
            length: [...hit[0]].length,
          });
        }
      }
      scannedTo = to;
    }
    return out.sort((a, b) => a.start - b.start || a.end - b.end || a.termId - b.termId);
  }

  private candidates(firstChar: number): readonly CompiledTerm[] {
    const byChar = this.termsByFirstChar.get(firstChar);
    if (this.termsStartingAnywhere.length === 0) return byChar ?? [];
    return byChar === undefined ? this.termsStartingAnywhere : [...byChar, ...this.termsStartingAnywhere];
  }

  /** Whitelisted phrases found like obscenity does: per phrase, left to right, without overlaps. */
  private whitelistedIntervals(text: string): IntervalSet {
    const white = this.whitelistTransform(text);
    const intervals: [number, number][] = [];
    for (const term of this.whitelist) {
      for (let at = white.text.indexOf(term); at !== -1; at = white.text.indexOf(term, at + term.length)) {
        let endInclusive = white.origins[at + term.length - 1] as number;
        if (
          isHighSurrogate(text.charCodeAt(endInclusive)) &&
          isLowSurrogate(text.charCodeAt(endInclusive + 1))
        ) {
          endInclusive++;
        }
        intervals.push([white.origins[at] as number, endInclusive]);
      }
    }
    return new IntervalSet(intervals);
  }
}

/** Intervals (inclusive bounds) answering "does one of them contain [lo, hi]?" in logarithmic time. */
class IntervalSet {
  private readonly lows: number[];
  /** Highest upper bound among the intervals up to each index (sorted by lower bound). */
  private readonly maxHigh: number[];

  constructor(intervals: [number, number][]) {
    intervals.sort((a, b) => a[0] - b[0]);
    this.lows = intervals.map((i) => i[0]);
    this.maxHigh = [];
    let max = -1;
    for (const [, high] of intervals) {
      max = Math.max(max, high);
      this.maxHigh.push(max);
    }
  }

  covers(lo: number, hi: number): boolean {
    let a = 0;
    let b = this.lows.length;
    while (a < b) {
      const mid = (a + b) >> 1;
      if ((this.lows[mid] as number) <= lo) a = mid + 1;
      else b = mid;
    }
    return a > 0 && (this.maxHigh[a - 1] as number) >= hi;
  }
}

function isHighSurrogate(u: number): boolean {
  return u >= 0xd800 && u <= 0xdbff;
}

function isLowSurrogate(u: number): boolean {
  return u >= 0xdc00 && u <= 0xdfff;
}

/** The regex obscenity compiles for a pattern (same construction as its `compilePatternToRegExp`). */
function patternSource(pattern: ParsedPattern): string {
  let source = pattern.requireWordBoundaryAtStart ? '\\b' : '';
  for (const node of pattern.nodes) source += nodeSource(node);
  return pattern.requireWordBoundaryAtEnd ? `${source}\\b` : source;
}

function nodeSource(node: ParsedPattern['nodes'][number]): string {
  switch (node.kind) {
    case SyntaxKind.Literal:
      return node.chars.map((c) => String.fromCodePoint(c).replace(/[[\].*+?^${}()|\\]/g, '\\$&')).join('');
    case SyntaxKind.Optional:
      return `(?:${nodeSource(node.childNode)})?`;
    case SyntaxKind.Wildcard:
      return '.';
  }
}

/** UTF-16 units a pattern's match can start with, or 'any' when it can start with a wildcard. */
function firstChars(pattern: ParsedPattern): Set<number> | 'any' {
  const out = new Set<number>();
  for (const node of pattern.nodes) {
    const inner = node.kind === SyntaxKind.Optional ? node.childNode : node;
    if (inner.kind === SyntaxKind.Wildcard) return 'any';
    out.add(String.fromCodePoint(inner.chars[0] as number).charCodeAt(0));
    if (node.kind !== SyntaxKind.Optional) return out;
  }
  return 'any';
}

interface Transformed {
  readonly text: string;
  /** For each unit of `text`, the index in the input of the code point it came from. */
  readonly origins: Int32Array;
}

/**
 * Applies obscenity transformers to a whole text in one pass, per code point and in order, exactly as its
 * matcher does (a transformer returning undefined drops the character), keeping the origin of each unit.
 */
function createTransform(containers: readonly Transformer[]): (text: string) => Transformed {
  const isSimple = (t: Transformer): t is SimpleTransformerContainer => 'transform' in t;
  // The leading stateless transformers are cached per BMP code point (-2: not computed, -1: dropped); the
  // rest run per character.
  const firstStateful = containers.findIndex((t) => !isSimple(t));
  const simpleCount = firstStateful === -1 ? containers.length : firstStateful;
  const simple = (cp: number): number | undefined => {
    let c: number | undefined = cp;
    for (let i = 0; i < simpleCount && c !== undefined; i++)
      c = (containers[i] as SimpleTransformerContainer).transform(c);
    return c;
  };
  const cache = new Int32Array(0x10000).fill(-2);
  return (text) => {
    const rest: { transform(c: number): number | undefined }[] = containers
      .slice(simpleCount)
      .map((t) => (isSimple(t) ? t : t.factory()));
    // One trailing transformer (the usual case) is called directly: a monomorphic call in the hot loop.
    const only = rest.length === 1 ? rest[0] : undefined;
    const n = text.length;
    // Each transformer maps a code point to ASCII or leaves it, so the output never outgrows the input.
    const units = new Uint16Array(n);
    const origins = new Int32Array(n);
    let len = 0;
    let i = 0;
    while (i < n) {
      const start = i;
      let cp = text.charCodeAt(i++);
      if (isHighSurrogate(cp) && i < n && isLowSurrogate(text.charCodeAt(i))) {
        cp = ((cp - 0xd800) << 10) + (text.charCodeAt(i) - 0xdc00) + 0x10000;
        i++;
      }
      let c: number | undefined;
      if (cp <= 0xffff) {
        let cached = cache[cp] as number;
        if (cached === -2) {
          cached = simple(cp) ?? -1;
          cache[cp] = cached;
        }
        c = cached === -1 ? undefined : cached;
      } else {
        c = simple(cp);
      }
      if (only !== undefined) {
        if (c !== undefined) c = only.transform(c);
      } else {
        for (let k = 0; k < rest.length && c !== undefined; k++) {
          c = (rest[k] as { transform(c: number): number | undefined }).transform(c);
        }
      }
      if (c === undefined) continue;
      if (c > 0xffff && len + 2 <= n) {
        units[len] = 0xd800 + ((c - 0x10000) >> 10);
        origins[len++] = start;
        units[len] = 0xdc00 + ((c - 0x10000) & 0x3ff);
        origins[len++] = start;
      } else if (len < n) {
        units[len] = c;
        origins[len++] = start;
      }
    }
    return { text: UTF16.decode(units.subarray(0, len)), origins: origins.subarray(0, len) };
  };
}

/** obscenity's English dataset without the dropped words, with the extra whitelisted phrases. */
function buildEnglishDataset(): DataSet<{ originalWord: EnglishProfaneWord }> {
  const dataset = new DataSet<{ originalWord: EnglishProfaneWord }>().addAll(englishDataset);
  const rebuilt: { word: EnglishProfaneWord; patterns: ParsedPattern[]; whitelist: string[] }[] = [];
  dataset.removePhrasesIf((phrase) => {
    const word = phrase.metadata?.originalWord;
    if (word === undefined) return false;
    if (DROPPED_ENGLISH_TERMS.has(word)) return true;
    const more = EXTRA_WHITELIST[word];
    if (more === undefined) return false;
    rebuilt.push({ word, patterns: phrase.patterns, whitelist: [...phrase.whitelistedTerms, ...more] });
    return true;
  });
  for (const { word, patterns, whitelist } of rebuilt) {
    dataset.addPhrase((builder) => {
      builder.setMetadata({ originalWord: word });
      for (const p of patterns) builder.addPattern(p);
      for (const term of whitelist) builder.addWhitelistedTerm(term);
      return builder;
    });
  }
  return dataset;
}

/** The customised dataset, for tests that compare this matcher with obscenity's. */
export function englishProfanityDataset(): DataSet<{ originalWord: EnglishProfaneWord }> {
  return buildEnglishDataset();
}
