import { profaneWords } from '@2toad/profanity';
import type { Signal } from '../../signals';
import { normalizeText } from '../../text/normalize';
import type { Detector, DetectorContext, TextContent } from '../detector';
import { EnglishProfanityMatcher } from './english-profanity-matcher';
import { combinedScore, MAX_SPANS_PER_SIGNAL, type Span, SpanCollector, toOriginalSpan } from './evidence';
import {
  ENGLISH_TERMS,
  OTHER_LANGUAGE_PROFANITY_SCORE,
  type TermScores,
  VETTED_WORD_LISTS,
} from './profanity-lexicon';
import { WordListMatcher } from './word-list-matcher';

/** Id of the profanity detector. */
export const PROFANITY_DETECTOR_ID = 'text-profanity';

/** Version of obscenity, whose English dataset this detector scores; checked against the installed package by a test. */
export const OBSCENITY_VERSION = '0.4.6';

type ProfanityCategory = 'profanity' | 'hate' | 'sexual';

const LABELS: Readonly<Record<ProfanityCategory, string>> = {
  profanity: 'profanity',
  hate: 'slur',
  sexual: 'explicit-term',
};

/** Highest score several hits can add up to: profanity alone never blocks under the default policy. */
const CAPS: Readonly<Record<ProfanityCategory, number>> = { profanity: 0.9, hate: 0.97, sexual: 0.8 };

/**
 * Profanity, slurs and explicit sexual terms. English uses obscenity's dataset, transformers (leetspeak,
 * confusables, repeated letters) and whitelist, matched in linear time by `EnglishProfanityMatcher`; each
 * dataset word is scored per category by `ENGLISH_TERMS`. Other languages use the vetted entries of
 * @2toad/profanity's lists, matched as whole words. Both run on the normalized text, so zero-width
 * characters, homoglyphs and spaced-out letters do not hide a word.
 *
 * Emits up to three signals: `profanity` (label `profanity`), `hate` (label `slur`), `sexual` (label
 * `explicit-term`); each scores its strongest term plus 0.05 for every further distinct term.
 */
export function createProfanityDetector(): Detector<TextContent> {
  let engine: ProfanityEngine | null = null;
  const load = (): ProfanityEngine => {
    engine ??= new ProfanityEngine();
    return engine;
  };
  return {
    id: PROFANITY_DETECTOR_ID,
    version: '1.0.0',
    media: ['text'],
    tiers: ['fast', 'heavy'],
    model: { id: 'obscenity-english', version: OBSCENITY_VERSION },
    async init() {
      load();
    },
    detect(input, ctx) {
      return load().detect(input, ctx);
    },
  };
}

/** The vetted non-English entries that the installed @2toad/profanity still lists, normalized for matching. */
export function vettedWordLists(): { id: string; phrases: string[] }[] {
  return VETTED_WORD_LISTS.map((list) => {
    const available = new Set(profaneWords.get(list.lang) ?? []);
    const phrases: string[] = [];
    for (const term of list.terms) {
      if (!available.has(term)) continue;
      phrases.push(term, ...(list.alsoSpelled?.[term] ?? []));
    }
    return { id: list.lang, phrases: phrases.map((p) => normalizeText(p).text) };
  });
}

class ProfanityEngine {
  private readonly english = new EnglishProfanityMatcher();
  private readonly otherLanguages = new WordListMatcher(vettedWordLists());

  detect(input: TextContent, ctx: DetectorContext): Signal[] {
    const normalized = input.normalized;
    const text = normalized.text;
    const hits = new HitAccumulator();
    // Fifty matches of one pattern are all the evidence a signal keeps; more would only cost time.
    for (const match of this.english.matches(text, ctx.signal, MAX_SPANS_PER_SIGNAL)) {
      // Two-letter forms ("fu", "fk") are names and abbreviations far more often than swearing.
      if (match.word === 'fuck' && match.length <= 2) continue;
      const span = toOriginalSpan(normalized, input.text, match.start, match.end);
      hits.addTerm(match.word, ENGLISH_TERMS[match.word], span, 'en');
    }
    ctx.signal.throwIfAborted();
    for (const match of this.otherLanguages.matches(text)) {
      const span = toOriginalSpan(normalized, input.text, match.start, match.end);
      const term = `${match.list}:${text.slice(match.start, match.end)}`;
      hits.addTerm(term, { profanity: OTHER_LANGUAGE_PROFANITY_SCORE }, span, match.list);
    }
    return hits.signals();
  }
}

/** Collects hits per category: best score, distinct terms and spans. */
class HitAccumulator {
  private readonly byCategory = new Map<
    ProfanityCategory,
    { best: number; terms: Set<string>; spans: SpanCollector }
  >();

  addTerm(term: string, scores: TermScores, span: Span, lang: string): void {
    for (const category of ['profanity', 'hate', 'sexual'] as const) {
      const score = scores[category];
      if (score === undefined) continue;
      let entry = this.byCategory.get(category);
      if (entry === undefined) {
        entry = { best: 0, terms: new Set(), spans: new SpanCollector() };
        this.byCategory.set(category, entry);
      }
      entry.best = Math.max(entry.best, score);
      entry.terms.add(term);
      entry.spans.add(span, `${lang}/${LABELS[category]}`);
    }
  }

  signals(): Signal[] {
    const out: Signal[] = [];
    for (const category of ['profanity', 'hate', 'sexual'] as const) {
      const entry = this.byCategory.get(category);
      if (entry === undefined) continue;
      out.push({
        detector: PROFANITY_DETECTOR_ID,
        category,
        label: LABELS[category],
        score: combinedScore(entry.best, entry.terms.size, 0.05, CAPS[category]),
        evidence: entry.spans.evidence(),
      });
    }
    return out;
  }
}
