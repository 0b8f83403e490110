import type { Signal } from '../../signals';
import type { Detector, DetectorContext, TextContent } from '../detector';
import { type Span, SpanCollector, toOriginalSpan } from './evidence';
import { SPAM_PHRASES, type SpamPhrase, URL_SHORTENERS } from './spam-lexicon';

/** Id of the spam and scam detector. */
export const SPAM_DETECTOR_ID = 'text-spam';

/** `http(s)://…` or `www.…` links, up to the next whitespace or quote. */
const URL_RE = /\b(?:https?:\/\/|www\.)[^\s<>"'`]{2,2048}/gi;

/** Shortener links, also with the dot written as `[.]`, `(.)` or ` dot `; a path is required. */
const SHORTENER_RE = new RegExp(
  `(?<![\\w.-])(?:https?://)?(?:www\\.)?(?:${URL_SHORTENERS.map((h) =>
    h
      .split('.')
      .map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('(?:\\.|\\[\\.\\]|\\(\\.\\)|\\s?\\[dot\\]\\s?|\\s+dot\\s+)'),
  ).join('|')})/[A-Za-z0-9_-]{2,64}`,
  'gi',
);

/** Three or more exclamation marks in a row. */
const EXCLAMATIONS_RE = /!{3,}/g;
/** A word of three or more capital letters. */
const CAPS_WORD_RE = /\b[A-Z]{3,}\b/g;

interface CompiledPhrase extends SpamPhrase {
  readonly re: RegExp;
}

/**
 * Spam and scam signals combined into one `spam` signal per item. Components: links (a lone link scores 0.1),
 * URL-shortener links (0.35 alone), strong scam/money phrases ("you have won", "verify your account", "double
 * your bitcoin": 0.6 for one, 0.7 with an urgency phrase, 0.8 for two), weak urgency/hype phrases ("act now",
 * "limited time": 0.35 for one, 0.55 for two), and shouting (mostly capitals, or "!!!"), which adds 0.05 each
 * to other evidence. A shortener together with any phrase scores at least 0.85. Label: `scam-link`, `scam`,
 * `promotional`, `url-shortener`, `link` or `shouting`, by the strongest component.
 */
export function createSpamDetector(): Detector<TextContent> {
  const phrases: CompiledPhrase[] = SPAM_PHRASES.map((p) => ({ ...p, re: new RegExp(p.pattern, 'g') }));
  return {
    id: SPAM_DETECTOR_ID,
    version: '1.0.0',
    media: ['text'],
    tiers: ['fast', 'heavy'],
    detect: (input, ctx) => detectSpam(phrases, input, ctx),
  };
}

function detectSpam(phrases: readonly CompiledPhrase[], input: TextContent, ctx: DetectorContext): Signal[] {
  const text = input.text;
  const spans = new SpanCollector();

  const shorteners = findAll(SHORTENER_RE, text, (s) => spans.add(s, 'spam.url-shortener'), true);
  const shortenerStarts = new Set(shorteners.map((s) => s.start));
  ctx.signal.throwIfAborted();
  const urls = findAll(URL_RE, text, (s) => shortenerStarts.has(s.start) || spans.add(s, 'spam.url'), true);
  ctx.signal.throwIfAborted();

  let strong = 0;
  let weak = 0;
  const normalized = input.normalized;
  for (const phrase of phrases) {
    const re = phrase.re;
    re.lastIndex = 0;
    const m = re.exec(normalized.text);
    if (m === null) continue;
    if (phrase.strength === 'strong') strong++;
    else weak++;
    spans.add(toOriginalSpan(normalized, text, m.index, m.index + m[0].length), `spam.phrase.${phrase.id}`);
  }
  ctx.signal.throwIfAborted();

  const exclamations = findAll(EXCLAMATIONS_RE, text, (s) => spans.add(s, 'spam.exclamations'));
  const shouting = isShouting(text);
  if (shouting) findAll(CAPS_WORD_RE, text, (s) => spans.add(s, 'spam.caps'));

  const { score, label } = scoreSpam({
    urls: urls.length,
    shorteners: shorteners.length,
    strong,
    weak,
    exclamations: exclamations.length > 0,
    shouting,
  });
  if (score <= 0) return [];
  return [{ detector: SPAM_DETECTOR_ID, category: 'spam', label, score, evidence: spans.evidence() }];
}

/** What the spam detector saw in one item. */
export interface SpamComponents {
  readonly urls: number;
  readonly shorteners: number;
  /** Distinct strong (scam, money) phrases. */
  readonly strong: number;
  /** Distinct weak (urgency, hype) phrases. */
  readonly weak: number;
  readonly exclamations: boolean;
  readonly shouting: boolean;
}

/** Combines the components into one score and label (see `createSpamDetector`). */
export function scoreSpam(c: SpamComponents): { score: number; label: string } {
  let phraseScore = 0;
  if (c.strong >= 2) phraseScore = 0.8;
  else if (c.strong === 1) phraseScore = c.weak > 0 ? 0.7 : 0.6;
  else if (c.weak >= 2) phraseScore = 0.55;
  else if (c.weak === 1) phraseScore = 0.35;
  const phrases = c.strong + c.weak > 0;
  const formatting = (c.exclamations ? 1 : 0) + (c.shouting ? 1 : 0);

  let score: number;
  let label: string;
  if (c.shorteners > 0 && phrases) {
    score = Math.max(0.85, phraseScore + 0.25);
    label = 'scam-link';
  } else if (phrases) {
    score = phraseScore + (c.urls > 0 || c.shorteners > 0 ? 0.1 : 0);
    label = c.strong > 0 ? 'scam' : 'promotional';
  } else if (c.shorteners > 0) {
    score = 0.35;
    label = 'url-shortener';
  } else if (c.urls > 0) {
    score = 0.1;
    label = 'link';
  } else {
    score = 0.15 * formatting;
    label = 'shouting';
    return { score: round(score), label };
  }
  score += 0.05 * formatting;
  return { score: round(Math.min(0.97, score)), label };
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

/** Mostly capitals: at least 20 ASCII letters, 70% or more of them uppercase. */
function isShouting(text: string): boolean {
  let letters = 0;
  let upper = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x41 && c <= 0x5a) {
      upper++;
      letters++;
    } else if (c >= 0x61 && c <= 0x7a) {
      letters++;
    }
  }
  return letters >= 20 && upper / letters >= 0.7;
}

/**
 * All matches of a global regex (at most 1000), each passed to `onMatch`; scanning stops early when it
 * returns false. Links get trailing sentence punctuation trimmed off.
 */
function findAll(re: RegExp, text: string, onMatch: (span: Span) => boolean, isLink = false): Span[] {
  const out: Span[] = [];
  re.lastIndex = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    let end = m.index + m[0].length;
    if (isLink) while (end > m.index + 1 && /[.,;:!?)\]}'"]/.test(text[end - 1] as string)) end--;
    const span = { start: m.index, end };
    out.push(span);
    // Past the evidence cap, counting more matches changes nothing.
    if (!onMatch(span) || out.length >= 1000) break;
  }
  return out;
}
