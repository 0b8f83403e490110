import {
  createLanguageDetector,
  LID_MODEL,
  languageSample,
} from '../../../core/detectors/text/text-language';
import { run } from './text-test-helpers';

const detector = createLanguageDetector();

beforeAll(async () => {
  await detector.init?.();
}, 60_000);

describe('text-language', () => {
  it('describes itself', () => {
    expect(detector).toMatchObject({
      id: 'text-language',
      version: '1.0.0',
      media: ['text'],
      tiers: ['fast', 'heavy'],
    });
    expect(detector.model).toEqual({ id: 'fasttext-lid176', version: 'lid.176.ftz' });
    expect(LID_MODEL.id).toBe('fasttext-lid176');
  });

  it.each([
    ['en', 'The quick brown fox jumps over the lazy dog and runs into the forest.'],
    ['es', 'Hola, ¿cómo estás? Esto es una prueba del sistema de moderación.'],
    ['de', 'Guten Morgen, das ist ein kurzer deutscher Text über das Wetter.'],
    ['fr', "Bonjour, ceci est un petit texte en français pour l'essai."],
    ['ru', 'Привет, это короткий текст на русском языке для проверки.'],
    ['ja', 'これは日本語のテキストです。今日はいい天気ですね。'],
  ])('identifies %s', async (code, text) => {
    const signals = await run(detector, text);
    expect(signals).toHaveLength(1);
    expect(signals[0]).toMatchObject({
      detector: 'text-language',
      category: null,
      label: `lang:${code}`,
      evidence: [],
    });
    expect(signals[0]?.score).toBeGreaterThan(0.5);
    expect(signals[0]?.score).toBeLessThanOrEqual(1);
  });

  it('emits nothing for empty, blank or letter-less text', async () => {
    expect(await run(detector, '')).toEqual([]);
    expect(await run(detector, '  \n\t ')).toEqual([]);
    expect(await run(detector, '2026-03-14 12:00 +44 20 7946 0958')).toEqual([]);
  });

  it('classifies a bounded sample with line breaks as spaces', () => {
    expect(languageSample('a\nb\r\nc')).toBe('a b c');
    expect(languageSample('x'.repeat(10_000))?.length).toBe(4000);
    expect(languageSample(`${'x'.repeat(3999)}😀`)?.length).toBe(3999);
    expect(languageSample('123 456')).toBeNull();
  });

  it('classifies long texts from a bounded sample', async () => {
    const text = 'This is English text. '.repeat(800_000);
    const signals = await run(detector, text);
    expect(signals[0]?.label).toBe('lang:en');
  });
});
