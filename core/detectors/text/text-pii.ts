import type { Signal } from '../../signals';
import type { Detector, DetectorContext, TextContent } from '../detector';
import { type Span, SpanCollector } from './evidence';
import {
  IBAN_LENGTHS,
  ibanValid,
  luhnValid,
  ninoPrefixValid,
  plausibleCardPrefix,
  ssnValid,
} from './pii-checks';

/** Id of the personal-data detector. */
export const PII_DETECTOR_ID = 'text-pii';

/** Labels, in the order signals are emitted. */
export type PiiLabel = 'email' | 'phone' | 'credit-card' | 'ssn' | 'nino' | 'iban';

const SCORES: Readonly<Record<PiiLabel, number>> = {
  email: 0.6,
  phone: 0.6,
  'credit-card': 0.9,
  ssn: 0.9,
  nino: 0.9,
  iban: 0.9,
};

const ORDER: readonly PiiLabel[] = ['email', 'phone', 'credit-card', 'ssn', 'nino', 'iban'];

interface Found extends Span {
  readonly rule: string;
}

/**
 * Personal data in the original text: email addresses, phone numbers (E.164-style `+CC …`, formatted North
 * American numbers, and `0`-prefixed national numbers), payment card numbers (13–19 digits, optionally grouped
 * with spaces or dashes, with a known network prefix and a valid Luhn check), US SSNs (with the SSA validity
 * rules), UK National Insurance numbers and IBANs (country length and mod-97 check). Emits one `pii` signal
 * per label with all spans (up to the evidence cap); cards, SSNs, NINOs and IBANs score 0.9, emails and phone
 * numbers 0.6.
 */
export function createPiiDetector(): Detector<TextContent> {
  return {
    id: PII_DETECTOR_ID,
    version: '1.0.0',
    media: ['text'],
    tiers: ['fast', 'heavy'],
    detect: (input, ctx) => detectPii(input.text, ctx),
  };
}

/** Finds personal data in `text`; exported for tests and tools that work on plain strings. */
export function detectPii(text: string, ctx?: Pick<DetectorContext, 'signal'>): Signal[] {
  const found: Record<PiiLabel, Found[]> = {
    email: [],
    phone: [],
    'credit-card': [],
    ssn: [],
    nino: [],
    iban: [],
  };
  const scanners: [PiiLabel, (t: string, out: Found[]) => void][] = [
    ['credit-card', findCards],
    ['ssn', findSsns],
    ['iban', findIbans],
    ['nino', findNinos],
    ['email', findEmails],
  ];
  for (const [label, scan] of scanners) {
    ctx?.signal.throwIfAborted();
    scan(text, found[label]);
  }
  // A phone-shaped stretch inside a card number, IBAN or SSN is not a phone number.
  const taken = [...found['credit-card'], ...found.ssn, ...found.iban].sort((a, b) => a.start - b.start);
  findPhones(text, found.phone, taken);

  const signals: Signal[] = [];
  for (const label of ORDER) {
    const spans = found[label];
    if (spans.length === 0) continue;
    const collector = new SpanCollector();
    for (const s of spans) if (!collector.add(s, s.rule)) break;
    signals.push({
      detector: PII_DETECTOR_ID,
      category: 'pii',
      label,
      score: SCORES[label],
      evidence: collector.evidence(),
    });
  }
  return signals;
}

/** Scanners stop after this many hits of one kind: the signal keeps 50 spans, and its score does not grow. */
const MAX_HITS = 200;

/** The first span of `sorted` (by start) that ends after `at`, if any. */
function firstEndingAfter(sorted: readonly Span[], at: number): Span | undefined {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((sorted[mid] as Span).end <= at) lo = mid + 1;
    else hi = mid;
  }
  return sorted[lo];
}

function isDigit(u: number): boolean {
  return u >= 48 && u <= 57;
}

// ---------------------------------------------------------------------------------------------------------
// Payment cards

const NEXT_DIGIT = /\d/g;
/** Groups looked at per run of digit groups; a card has at most 19 digits, so at most 19 groups. */
const MAX_GROUPS = 64;

/** Finds runs of digit groups joined by single spaces or dashes, and card numbers in them. */
function findCards(text: string, out: Found[]): void {
  const n = text.length;
  const groups: Span[] = [];
  let i = 0;
  while (i < n && out.length < MAX_HITS) {
    NEXT_DIGIT.lastIndex = i;
    const next = NEXT_DIGIT.exec(text);
    if (next === null) break;
    const start = next.index;
    groups.length = 0;
    let j = start;
    for (;;) {
      const groupStart = j;
      while (j < n && isDigit(text.charCodeAt(j))) j++;
      groups.push({ start: groupStart, end: j });
      const sep = text.charCodeAt(j);
      if (groups.length < MAX_GROUPS && (sep === 0x20 || sep === 0x2d) && isDigit(text.charCodeAt(j + 1))) {
        j++;
        continue;
      }
      break;
    }
    i = j;
    if (j - start < 13) continue;
    // Part of a decimal number or of a longer token: not a card.
    if (isDecimalEdge(text, start - 1, -1) || isDecimalEdge(text, j, 1)) continue;
    if (start > 0 && /[A-Za-z_]/.test(text[start - 1] as string)) continue;
    cardsInGroups(text, groups, out);
  }
}

/** Card numbers among consecutive digit groups, tried from the leftmost group. */
function cardsInGroups(text: string, groups: readonly Span[], out: Found[]): void {
  let i = 0;
  while (i < groups.length) {
    const first = text.charCodeAt((groups[i] as Span).start);
    let count = 0;
    let matchedTo = -1;
    // Card numbers start with 2–6.
    for (let j = i; first >= 0x32 && first <= 0x36 && j < groups.length; j++) {
      const g = groups[j] as Span;
      count += g.end - g.start;
      if (count > 19) break;
      if (count < 13 || !cardGrouping(groups, i, j)) continue;
      let digits = '';
      for (let k = i; k <= j; k++) digits += text.slice((groups[k] as Span).start, (groups[k] as Span).end);
      if (plausibleCardPrefix(digits) && luhnValid(digits)) {
        matchedTo = j;
        break;
      }
    }
    if (matchedTo === -1) {
      i++;
      continue;
    }
    out.push({
      start: (groups[i] as Span).start,
      end: (groups[matchedTo] as Span).end,
      rule: 'pii.card.luhn',
    });
    i = matchedTo + 1;
  }
}

/** One run of digits, or groups of 3–6 digits (4-4-4-4, 4-6-5, 4-4-4-4-3). */
function cardGrouping(groups: readonly Span[], i: number, j: number): boolean {
  if (i === j) return true;
  if (j - i + 1 < 3) return false;
  for (let k = i; k <= j; k++) {
    const g = groups[k] as Span;
    const len = g.end - g.start;
    if (len < 3 || len > 6) return false;
  }
  return true;
}

/** True when the character at `at` is `.` or `,` followed (in `direction`) by a digit: a decimal number. */
function isDecimalEdge(text: string, at: number, direction: 1 | -1): boolean {
  const c = text.charCodeAt(at);
  return (c === 0x2e || c === 0x2c) && isDigit(text.charCodeAt(at + direction));
}

// ---------------------------------------------------------------------------------------------------------
// US Social Security numbers

const SSN_FORMATTED = /(?<![\d-])(\d{3})([- ])(\d{2})\2(\d{4})(?![\d-])/g;
const SSN_LABELLED =
  /\b(?:ssn|social\s+security(?:\s+(?:number|no\.?|#))?)\s{0,3}[:#]?\s{0,3}(\d{3})(\d{2})(\d{4})(?!\d)/gi;

function findSsns(text: string, out: Found[]): void {
  for (const [re, rule] of [
    [SSN_FORMATTED, 'pii.ssn'],
    [SSN_LABELLED, 'pii.ssn.labelled'],
  ] as const) {
    re.lastIndex = 0;
    for (let m = re.exec(text); m !== null && out.length < MAX_HITS; m = re.exec(text)) {
      const [area, group, serial] = rule === 'pii.ssn' ? [m[1], m[3], m[4]] : [m[1], m[2], m[3]];
      if (area === undefined || group === undefined || serial === undefined || !ssnValid(area, group, serial))
        continue;
      const end = m.index + m[0].length;
      const start = rule === 'pii.ssn' ? m.index : end - 9;
      out.push({ start, end, rule });
    }
  }
}

// ---------------------------------------------------------------------------------------------------------
// UK National Insurance numbers (uppercase, as issued; spaces optional)

const NINO =
  /(?<![A-Za-z0-9])([A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]) ?\d{2} ?\d{2} ?\d{2} ?[A-D](?![A-Za-z0-9])/g;

function findNinos(text: string, out: Found[]): void {
  NINO.lastIndex = 0;
  for (let m = NINO.exec(text); m !== null && out.length < MAX_HITS; m = NINO.exec(text)) {
    if (!ninoPrefixValid(m[1] as string)) continue;
    out.push({ start: m.index, end: m.index + m[0].length, rule: 'pii.nino' });
  }
}

// ---------------------------------------------------------------------------------------------------------
// IBANs (uppercase, in groups of four or unspaced)

const IBAN_CANDIDATE = /(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}/g;

function findIbans(text: string, out: Found[]): void {
  const re = IBAN_CANDIDATE;
  re.lastIndex = 0;
  for (let m = re.exec(text); m !== null && out.length < MAX_HITS; m = re.exec(text)) {
    const length = IBAN_LENGTHS.get(m[0].slice(0, 2));
    const span = length === undefined ? null : ibanPrefix(text, m.index, m[0], length);
    if (span === null) {
      // Another IBAN may start inside this candidate.
      re.lastIndex = m.index + 1;
      continue;
    }
    out.push({ ...span, rule: 'pii.iban.mod97' });
    re.lastIndex = span.end;
  }
}

/** The first `length` alphanumerics of the candidate when they form a valid IBAN that ends at a boundary. */
function ibanPrefix(text: string, start: number, candidate: string, length: number): Span | null {
  let chars = '';
  let k = 0;
  while (k < candidate.length && chars.length < length) {
    const c = candidate[k] as string;
    if (c !== ' ') chars += c;
    k++;
  }
  if (chars.length < length || !ibanValid(chars)) return null;
  const end = start + k;
  if (end < text.length && /[A-Za-z0-9]/.test(text[end] as string)) return null;
  return { start, end };
}

// ---------------------------------------------------------------------------------------------------------
// Email addresses (found from each "@", so long runs of address characters cannot make this quadratic)

const DOMAIN = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.){1,8}[A-Za-z]{2,24}$/;

function isLocalChar(u: number): boolean {
  return (
    (u >= 0x61 && u <= 0x7a) ||
    (u >= 0x41 && u <= 0x5a) ||
    isDigit(u) ||
    u === 0x2e ||
    u === 0x5f ||
    u === 0x25 ||
    u === 0x2b ||
    u === 0x2d
  );
}

function isDomainChar(u: number): boolean {
  return (u >= 0x61 && u <= 0x7a) || (u >= 0x41 && u <= 0x5a) || isDigit(u) || u === 0x2e || u === 0x2d;
}

function findEmails(text: string, out: Found[]): void {
  const n = text.length;
  let floor = 0;
  for (let at = text.indexOf('@'); at !== -1 && out.length < MAX_HITS; at = text.indexOf('@', at + 1)) {
    let s = at;
    while (s > floor && at - s <= 64 && isLocalChar(text.charCodeAt(s - 1))) s--;
    if (at - s > 64 || s === at) continue;
    while (s < at && text.charCodeAt(s) === 0x2e) s++;
    let e = at + 1;
    while (e < n && e - at <= 254 && isDomainChar(text.charCodeAt(e))) e++;
    while (e > at + 1 && (text.charCodeAt(e - 1) === 0x2e || text.charCodeAt(e - 1) === 0x2d)) e--;
    const local = text.slice(s, at);
    if (local === '' || local.endsWith('.') || local.includes('..') || !DOMAIN.test(text.slice(at + 1, e)))
      continue;
    out.push({ start: s, end: e, rule: 'pii.email' });
    floor = e;
    at = e - 1;
  }
}

// ---------------------------------------------------------------------------------------------------------
// Phone numbers

/** `+CC` then 6–22 digits and separators, ending on a digit; checked to hold 8–15 digits (E.164). */
const PHONE_INTERNATIONAL = /(?<![\w+])\+[1-9][\d .()-]{6,22}\d(?!\w)/g;
/** North American: (NXX) NXX-XXXX, NXX-NXX-XXXX, NXX.NXX.XXXX, optionally after +1 or 1. */
const PHONE_NANP =
  /(?<![\w+.-])(?:\+?1[ .-]?)?(?:\((\d{3})\)[ .-]?|(\d{3})[ .-])(\d{3})[ .-]\d{4}(?![\w-]|\.\d)/g;
/** National numbers with a trunk prefix: 0XX(X) XXX(X) XXX(X), 10–11 digits. */
const PHONE_NATIONAL = /(?<![\w+.-])0\d{2,4}[ -]\d{3,4}[ -]?\d{3,4}(?![\w-]|\.\d)/g;

/**
 * Length of the phone number at the start of an international candidate: the longest prefix that ends a digit
 * group and holds 8–15 digits (the candidate pattern is greedy and may run into a following number); 0 when
 * there is none.
 */
function internationalPhoneLength(candidate: string): number {
  if (/[ .()-]{3}/.test(candidate)) return 0;
  for (let end = candidate.length; end > 1; end--) {
    if (end < candidate.length && !/[ .-]/.test(candidate[end] as string)) continue;
    if (!isDigit(candidate.charCodeAt(end - 1))) continue;
    const digits = candidate.slice(0, end).replace(/\D/g, '').length;
    if (digits <= 15) return digits >= 8 ? end : 0;
  }
  return 0;
}

/** Phone numbers outside the `taken` spans (sorted by start) of cards, SSNs and IBANs. */
function findPhones(text: string, out: Found[], taken: readonly Span[]): void {
  const all: Found[] = [];
  const scan = (re: RegExp, rule: string, length: (m: RegExpExecArray) => number): void => {
    re.lastIndex = 0;
    for (let m = re.exec(text); m !== null && all.length < MAX_HITS * 3; m = re.exec(text)) {
      const len = length(m);
      if (len <= 0) continue;
      const clash = firstEndingAfter(taken, m.index);
      if (clash !== undefined && clash.start < m.index + len) continue;
      all.push({ start: m.index, end: m.index + len, rule });
    }
  };
  scan(PHONE_INTERNATIONAL, 'pii.phone.international', (m) => {
    // The greedy pattern may run into a following card number or SSN: look only at what comes before it.
    const clash = firstEndingAfter(taken, m.index);
    const limit = clash !== undefined && clash.start > m.index ? clash.start - m.index : m[0].length;
    return internationalPhoneLength(m[0].slice(0, limit));
  });
  scan(PHONE_NANP, 'pii.phone.nanp', (m) => {
    const area = m[1] ?? m[2] ?? '';
    const exchange = m[3] ?? '';
    return /^[2-9]/.test(area) && /^[2-9]/.test(exchange) ? m[0].length : 0;
  });
  scan(PHONE_NATIONAL, 'pii.phone.national', (m) => {
    const digits = m[0].replace(/\D/g, '').length;
    return digits >= 10 && digits <= 11 ? m[0].length : 0;
  });
  all.sort((a, b) => a.start - b.start || b.end - a.end);
  let lastEnd = -1;
  for (const p of all) {
    if (p.start < lastEnd) continue;
    out.push(p);
    lastEnd = p.end;
    if (out.length >= MAX_HITS) break;
  }
}
