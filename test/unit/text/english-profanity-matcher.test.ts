import { englishRecommendedTransformers, RegExpMatcher } from 'obscenity';
import {
  EnglishProfanityMatcher,
  englishProfanityDataset,
} from '../../../core/detectors/text/english-profanity-matcher';
import { normalizeText } from '../../../core/text/normalize';
import { prng } from '../../helpers/prng';

// Fragments of dataset words and whitelisted phrases, leetspeak, confusables, separators and other scripts,
// so that random texts hit patterns, whitelists, boundaries and duplicates often.
const FRAGMENTS = [
  ...[
    'fu',
    'ck',
    'f',
    'u',
    'c',
    'k',
    'sh',
    'it',
    'ass',
    'a',
    's',
    'bi',
    'tch',
    'cu',
    'nt',
    'di',
    'anal',
    'an',
    'al',
  ],
  ...[
    'ysis',
    'og',
    'assa',
    'assess',
    'kung',
    'cum',
    'laude',
    'pen',
    'is',
    'ni',
    'gg',
    'er',
    'porn',
    'sex',
    'y',
    'orgy',
  ],
  ...[
    'retard',
    'ant',
    'chink',
    'in',
    'dick',
    'ens',
    'shitake',
    'tit',
    'twat',
    'tle',
    'whore',
    "who're",
    'rape',
    'rapper',
  ],
  ...[
    ' ',
    ' ',
    ' ',
    '  ',
    '.',
    '-',
    '_',
    '!',
    '@',
    '$',
    '4',
    '1',
    '3',
    '0',
    '5',
    '7',
    '(',
    '|',
    '/',
    'ü',
    'ƒ',
    'ｃ',
    'ѕ',
    '😀',
    '\u200b',
    'Ф',
  ],
];

describe('EnglishProfanityMatcher', () => {
  const ours = new EnglishProfanityMatcher();
  const theirs = new RegExpMatcher({
    ...englishProfanityDataset().build(),
    ...englishRecommendedTransformers,
  });

  function compare(text: string): void {
    const expected = theirs
      .getAllMatches(text, true)
      .map((m) => [m.startIndex, m.endIndex + 1, m.termId, m.matchLength]);
    const actual = ours.matches(text).map((m) => [m.start, m.end, m.termId, m.length]);
    if (JSON.stringify(actual) !== JSON.stringify(expected)) {
      throw new Error(
        `${JSON.stringify(text)}\nexpected ${JSON.stringify(expected)}\nactual   ${JSON.stringify(actual)}`,
      );
    }
  }

  it('finds exactly what obscenity finds on random texts', () => {
    const rand = prng(42);
    for (let run = 0; run < 4000; run++) {
      const parts: string[] = [];
      const count = 1 + Math.floor(rand() * 14);
      for (let i = 0; i < count; i++) {
        let f = FRAGMENTS[Math.floor(rand() * FRAGMENTS.length)] as string;
        if (rand() < 0.2) f = f.toUpperCase();
        parts.push(f);
      }
      compare(parts.join(''));
    }
  });

  it('finds exactly what obscenity finds on normalized sample sentences', () => {
    for (const text of [
      'what the fuck, this is shit',
      'Scunthorpe assassin classic analysis',
      'magna cum laude from the kung fu school',
      'a chink in the armour of the rapper',
      'fuuuuuck f4ck sh1t b!tch a$$',
      'f\u200bu\u200bc\u200bk ｆｕｃｋ',
    ]) {
      compare(text);
      compare(normalizeText(text).text);
    }
  });

  it('maps matches to words and finishes on long texts full of near-misses', () => {
    const text = 'Scunthorpe assassin classic analysis cocktail shitake bass passing '.repeat(100_000);
    expect(ours.matches(text).map((m) => m.word)).toEqual([]);
    expect(new Set(ours.matches('oh shit').map((m) => m.word))).toEqual(new Set(['shit']));
  });
});
