/** One list of words or phrases, already normalized with `normalizeText`. */
export interface WordList {
  readonly id: string;
  readonly phrases: readonly string[];
}

/** A match of a list entry, in indices of the text searched. */
export interface WordListMatch {
  readonly start: number;
  readonly end: number;
  /** Id of the list the entry came from. */
  readonly list: string;
}

const NOT_WORD = '[^\\p{L}\\p{M}\\p{N}]';
const WORD_BEFORE = '(?<![\\p{L}\\p{M}\\p{N}])';
const WORD_AFTER = '(?![\\p{L}\\p{M}\\p{N}])';
const KATAKANA_BEFORE = '(?<![\\p{Script=Katakana}\\u30fc])';
const KATAKANA_AFTER = '(?![\\p{Script=Katakana}\\u30fc])';
const UNSPACED_SCRIPT = /^[\p{Script=Han}\p{Script=Hiragana}]/u;
const KATAKANA_SCRIPT = /^[\p{Script=Katakana}\u30fc]/u;

/**
 * Finds whole-word occurrences of list entries in linear time, using one regex per word-boundary kind. Entries
 * of several words match across any one to three non-letter characters (`hijo de puta`, `hijo-de-puta`).
 * Han and Hiragana entries match anywhere (those scripts do not separate words); Katakana entries must not
 * touch further Katakana, so a word is not found inside a longer loanword.
 */
export class WordListMatcher {
  private readonly regexes: readonly CompiledLists[];

  constructor(lists: readonly WordList[]) {
    const bounded = new Map<string, string[]>();
    const katakana = new Map<string, string[]>();
    const unspaced = new Map<string, string[]>();
    const seen = new Set<string>();
    for (const list of lists) {
      for (const phrase of list.phrases) {
        const trimmed = phrase.trim();
        if (trimmed === '' || seen.has(trimmed)) continue;
        seen.add(trimmed);
        const target = UNSPACED_SCRIPT.test(trimmed)
          ? unspaced
          : KATAKANA_SCRIPT.test(trimmed)
            ? katakana
            : bounded;
        const entries = target.get(list.id) ?? [];
        entries.push(trimmed);
        target.set(list.id, entries);
      }
    }
    this.regexes = [
      compile(bounded, WORD_BEFORE, WORD_AFTER),
      compile(katakana, KATAKANA_BEFORE, KATAKANA_AFTER),
      compile(unspaced, '', ''),
    ].filter((r): r is CompiledLists => r !== null);
  }

  /** All matches in `text`, regex by regex (not sorted across kinds). */
  *matches(text: string): Generator<WordListMatch> {
    for (const { re, groups } of this.regexes) {
      re.lastIndex = 0;
      for (let m = re.exec(text); m !== null; m = re.exec(text)) {
        const found = m.groups ?? {};
        const group = groups.find((g) => found[g.name] !== undefined);
        yield { start: m.index, end: m.index + m[0].length, list: group?.list ?? '' };
      }
    }
  }
}

interface CompiledLists {
  readonly re: RegExp;
  /** Named groups of the regex, one per list. */
  readonly groups: readonly { readonly name: string; readonly list: string }[];
}

function compile(byList: Map<string, string[]>, before: string, after: string): CompiledLists | null {
  if (byList.size === 0) return null;
  const groups: { name: string; list: string }[] = [];
  const parts: string[] = [];
  const firstChars = new Set<string>();
  for (const [list, phrases] of byList) {
    for (const p of phrases) firstChars.add(String.fromCodePoint(p.codePointAt(0) as number));
    // Group names must be identifiers, so lists are numbered.
    const group = `g${groups.length}`;
    groups.push({ name: group, list });
    // Longest first, so that a phrase wins over the single word it starts with.
    const alternatives = [...phrases].sort((a, b) => b.length - a.length).map(phrasePattern);
    parts.push(`(?<${group}>${alternatives.join('|')})`);
  }
  // The leading class lets the regex engine skip positions that cannot start an entry before it evaluates
  // the (slower) look-behind.
  const first = `(?=[${[...firstChars].map((c) => c.replace(/[\\\]^-]/g, '\\$&')).join('')}])`;
  return { re: new RegExp(`${first}${before}(?:${parts.join('|')})${after}`, 'gu'), groups };
}

function phrasePattern(phrase: string): string {
  return phrase
    .split(new RegExp(`${NOT_WORD}+`, 'u'))
    .filter((t) => t !== '')
    .map(escapeRegExp)
    .join(`${NOT_WORD}{1,3}`);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
