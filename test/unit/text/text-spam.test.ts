import { createSpamDetector, scoreSpam } from '../../../core/detectors/text/text-spam';
import { run, signalOf, spanTexts } from './text-test-helpers';

const detector = createSpamDetector();

async function spam(text: string) {
  return signalOf(await run(detector, text), 'spam');
}

describe('text-spam', () => {
  it('describes itself', () => {
    expect(detector).toMatchObject({
      id: 'text-spam',
      version: '1.0.0',
      media: ['text'],
      tiers: ['fast', 'heavy'],
    });
  });

  it('does not treat a lone link as spam', async () => {
    const text = 'The minutes are at https://example.com/minutes/2026-03.';
    const s = await spam(text);
    expect(s?.score).toBeLessThan(0.3);
    expect(s?.label).toBe('link');
    expect(spanTexts(text, s)).toEqual(['https://example.com/minutes/2026-03']);
  });

  it('scores a shortener alone below review', async () => {
    const s = await spam('slides: bit.ly/3xYzAbc');
    expect(s?.label).toBe('url-shortener');
    expect(s?.score).toBeLessThan(0.5);
  });

  it('blocks a shortener with scam or urgency wording', async () => {
    const text = 'You have won! Claim your prize at https://tinyurl.com/win-big-now';
    const s = await spam(text);
    expect(s?.label).toBe('scam-link');
    expect(s?.score).toBeGreaterThanOrEqual(0.85);
    expect(spanTexts(text, s)).toEqual([
      'You have won',
      'Claim your prize',
      'https://tinyurl.com/win-big-now',
    ]);
    expect((await spam('act now: bit.ly/abc123'))?.score).toBeGreaterThanOrEqual(0.85);
  });

  it('finds shorteners written with an obfuscated dot', async () => {
    const s = await spam('verify your account at bit[.]ly/secure-login');
    expect(s?.label).toBe('scam-link');
  });

  it('puts scam or money phrases alone at review', async () => {
    for (const text of [
      'Double your bitcoin in one day',
      'Please verify your account details today',
      'Pay with iTunes gift cards only',
      'Your account has been suspended',
      '$$$ easy cash $$$',
    ]) {
      const s = await spam(text);
      expect({ text, review: (s?.score ?? 0) >= 0.5 && (s?.score ?? 1) < 0.85 }).toEqual({
        text,
        review: true,
      });
    }
  });

  it('needs two urgency phrases to reach review', async () => {
    expect((await spam('Act now!'))?.score).toBeLessThan(0.5);
    expect((await spam('Act now, limited time offer'))?.score).toBeGreaterThanOrEqual(0.5);
  });

  it('sees through leetspeak in phrases', async () => {
    expect((await spam('V3RIFY Y0UR ACC0UNT'))?.score).toBeGreaterThanOrEqual(0.5);
  });

  it('adds shouting only on top of other evidence', async () => {
    const shouting = await spam('THIS IS A VERY LOUD MESSAGE ABOUT NOTHING AT ALL!!!');
    expect(shouting?.label).toBe('shouting');
    expect(shouting?.score).toBeLessThan(0.5);
    const scam = (await spam('You have won a prize'))?.score ?? 0;
    const loud = (await spam('YOU HAVE WON A PRIZE, REALLY YOU HAVE!!!'))?.score ?? 0;
    expect(loud).toBeGreaterThan(scam);
  });

  it.each([
    'I bought a gift card for my mum',
    'We need to act now on climate change',
    'Congratulations on your wedding!',
    'I make $20 an hour at the bakery',
    'Send the money you owe me when you can',
    'Email me at jane@example.com',
    'Price: $42.50',
  ])('does not flag %j', async (text) => {
    expect((await spam(text))?.score ?? 0).toBeLessThan(0.5);
  });

  it('returns nothing for plain text', async () => {
    expect(await run(detector, 'Hello neighbours, the bake sale is on Saturday.')).toEqual([]);
    expect(await run(detector, '')).toEqual([]);
  });

  it('combines components as documented', () => {
    const none = { urls: 0, shorteners: 0, strong: 0, weak: 0, exclamations: false, shouting: false };
    expect(scoreSpam(none).score).toBe(0);
    expect(scoreSpam({ ...none, urls: 1 }).score).toBe(0.1);
    expect(scoreSpam({ ...none, strong: 1 }).score).toBe(0.6);
    expect(scoreSpam({ ...none, strong: 1, weak: 1 }).score).toBe(0.7);
    expect(scoreSpam({ ...none, strong: 2 }).score).toBe(0.8);
    expect(scoreSpam({ ...none, shorteners: 1, weak: 1 }).score).toBe(0.85);
    expect(scoreSpam({ ...none, shorteners: 1, strong: 2, exclamations: true, shouting: true }).score).toBe(
      0.97,
    );
  });

  it('caps evidence spans', async () => {
    const text = 'see https://example.com/x '.repeat(500);
    expect((await spam(text))?.evidence).toHaveLength(50);
  });
});
