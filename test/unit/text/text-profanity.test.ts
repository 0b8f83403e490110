import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { profaneWords } from '@2toad/profanity';
import type { EnglishProfaneWord } from 'obscenity';
import {
  DROPPED_ENGLISH_TERMS,
  ENGLISH_TERMS,
  VETTED_WORD_LISTS,
} from '../../../core/detectors/text/profanity-lexicon';
import {
  createProfanityDetector,
  OBSCENITY_VERSION,
  vettedWordLists,
} from '../../../core/detectors/text/text-profanity';
import { run, signalOf, spanTexts } from './text-test-helpers';

const detector = createProfanityDetector();

beforeAll(async () => {
  await detector.init?.();
});

describe('text-profanity', () => {
  it('describes itself', () => {
    expect(detector).toMatchObject({
      id: 'text-profanity',
      version: '1.0.0',
      media: ['text'],
      tiers: ['fast', 'heavy'],
    });
    expect(detector.model).toEqual({ id: 'obscenity-english', version: OBSCENITY_VERSION });
  });

  it('records the installed obscenity version', () => {
    const pkg = JSON.parse(
      readFileSync(join(dirname(require.resolve('obscenity')), '..', 'package.json'), 'utf8'),
    );
    expect(pkg.version).toBe(OBSCENITY_VERSION);
  });

  it('scores English swearing as profanity for review, with spans of the original text', async () => {
    const text = 'Well, what the fuck is this?';
    const signals = await run(detector, text);
    const p = signalOf(signals, 'profanity');
    expect(p?.label).toBe('profanity');
    expect(p?.score).toBeGreaterThanOrEqual(0.6);
    expect(p?.score).toBeLessThan(0.85);
    expect(spanTexts(text, p)).toEqual(['fuck']);
    expect(p?.evidence[0]).toMatchObject({ kind: 'span', rule: 'en/profanity' });
  });

  it('adds a little per distinct term but never reaches the profanity block threshold', async () => {
    const one = signalOf(await run(detector, 'shit'), 'profanity')?.score ?? 0;
    const many =
      signalOf(await run(detector, 'shit fuck bitch cunt twat wank whore bastard prick'), 'profanity')
        ?.score ?? 0;
    expect(many).toBeGreaterThan(one);
    expect(many).toBeLessThan(0.95);
  });

  it('scores unambiguous slurs as hate for blocking', async () => {
    const slurs = (Object.keys(ENGLISH_TERMS) as EnglishProfaneWord[]).filter(
      (w) => (ENGLISH_TERMS[w].hate ?? 0) >= 0.9 && !DROPPED_ENGLISH_TERMS.has(w),
    );
    expect(slurs.length).toBeGreaterThanOrEqual(8);
    for (const word of slurs) {
      const text = `they called him a ${word} yesterday`;
      const hate = signalOf(await run(detector, text), 'hate');
      expect({ word, blocks: (hate?.score ?? 0) >= 0.85, label: hate?.label }).toEqual({
        word,
        blocks: true,
        label: 'slur',
      });
      expect(spanTexts(text, hate)[0]?.toLowerCase()).toContain(word.slice(0, 3));
    }
  });

  it('scores explicit sexual terms as sexual for review', async () => {
    const s = signalOf(await run(detector, 'looking for hentai and a gangbang video'), 'sexual');
    expect(s?.label).toBe('explicit-term');
    expect(s?.score).toBeGreaterThanOrEqual(0.5);
    expect(s?.score).toBeLessThan(0.85);
  });

  it('keeps anatomical and clinical words below review', async () => {
    const signals = await run(
      detector,
      'The anatomy lesson covered the penis, the vagina and semen samples.',
    );
    for (const s of signals) expect(s.score).toBeLessThan(0.5);
  });

  it.each([
    'Scunthorpe United won a classic match',
    'The assassin ordered a cocktail',
    'Our analysis of the analogue signal',
    'a chink in the armour',
    'She graduated magna cum laude',
    'flame retardant coating',
    'Emily Dickinson wrote poems',
    'He studied kung fu for years',
    'Fu Manchu is a fictional villain',
    'Mein Abo läuft aus',
    'El gato negro duerme',
    'He passed the bass to the assistant',
    'Shitake mushrooms are tasty',
    'Invoice 2026-03, total 1337 EUR',
    'Анализ показал, что сухой анапский климат полезен. Сколько стоит билет?',
    'Η ανάλυση των δεδομένων ολοκληρώθηκε χθες.',
  ])('does not flag %j', async (text) => {
    const signals = await run(detector, text);
    expect(signals.filter((s) => s.score >= 0.5)).toEqual([]);
  });

  it.each([
    ['f\u200bu\u200bc\u200bk this', 'f\u200bu\u200bc\u200bk'],
    ['ｆｕｃｋ this', 'ｆｕｃｋ'],
    ['fuсk this', 'fuсk'],
    ['this is sh1t', 'sh1t'],
    ['this is s.h.i.t', 's.h.i.t'],
    ['fuuuuuck', 'fuuuuuck'],
    ['B1TCH please', 'B1TCH'],
  ])('sees through obfuscation in %j', async (text, span) => {
    const p = signalOf(await run(detector, text), 'profanity');
    expect(p?.score).toBeGreaterThanOrEqual(0.5);
    expect(spanTexts(text, p)).toEqual([span]);
  });

  it.each([
    ['Esto es una mierda', 'mierda'],
    ['Was für eine Scheiße', 'Scheiße'],
    ['Was für eine Scheisse', 'Scheisse'],
    ['Quel putain de bordel', 'putain'],
    ['Che cazzo fai', 'cazzo'],
    ['Que porra é essa, caralho', 'caralho'],
    ['Что за хрень, сука', 'сука'],
    ['他妈的这是什么', '他妈的'],
    ['ほんとにクソだ', 'クソ'],
    ['eres un hijo de puta', 'hijo de puta'],
  ])('flags non-English profanity in %j', async (text, span) => {
    const p = signalOf(await run(detector, text), 'profanity');
    expect(p?.score).toBeGreaterThanOrEqual(0.6);
    expect(spanTexts(text, p)).toContain(span);
  });

  it('does not flag everyday words from the machine-translated lists', async () => {
    for (const text of [
      'Der Fehler ist lustig',
      'por favor, boa noite',
      'El perro come un hueso',
      'Mi dedo',
      'ファックス番号を教えて',
      '我妈的手机',
    ]) {
      expect(await run(detector, text)).toEqual([]);
    }
  });

  it('caps the evidence spans per signal', async () => {
    const text = 'shit '.repeat(500);
    const p = signalOf(await run(detector, text), 'profanity');
    expect(p?.evidence.length).toBe(50);
  });

  it('finds a term at the end of a long text', async () => {
    const text = `${'All good here, nothing to see. '.repeat(70_000)}and then: shit`;
    const p = signalOf(await run(detector, text), 'profanity');
    expect(spanTexts(text, p)).toEqual(['shit']);
  });

  it('returns nothing for empty or benign text', async () => {
    expect(await run(detector, '')).toEqual([]);
    expect(await run(detector, 'Hello neighbours, the bake sale is on Saturday.')).toEqual([]);
  });
});

describe('vetted non-English lists', () => {
  it('only hold entries that @2toad/profanity still lists', () => {
    for (const list of VETTED_WORD_LISTS) {
      const available = new Set(profaneWords.get(list.lang) ?? []);
      expect({ lang: list.lang, missing: list.terms.filter((t) => !available.has(t)) }).toEqual({
        lang: list.lang,
        missing: [],
      });
    }
  });

  it('are all used at run time', () => {
    const used = vettedWordLists();
    for (const list of VETTED_WORD_LISTS) {
      const phrases = used.find((u) => u.id === list.lang)?.phrases ?? [];
      expect(phrases.length).toBeGreaterThanOrEqual(list.terms.length);
    }
  });
});
