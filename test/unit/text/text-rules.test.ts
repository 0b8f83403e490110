import { TEXT_RULES } from '../../../core/detectors/text/rules-lexicon';
import { createRulesDetector } from '../../../core/detectors/text/text-rules';
import { bestScores, run, signalOf, spanTexts } from './text-test-helpers';

const detector = createRulesDetector();

async function best(text: string): Promise<Map<string, number>> {
  return bestScores(await run(detector, text));
}

describe('text-rules', () => {
  it('describes itself', () => {
    expect(detector).toMatchObject({
      id: 'text-rules',
      version: '1.0.0',
      media: ['text'],
      tiers: ['fast', 'heavy'],
    });
    expect(detector.model).toBeUndefined();
  });

  it('has unique rule ids and scores in (0, 1)', () => {
    expect(new Set(TEXT_RULES.map((r) => r.id)).size).toBe(TEXT_RULES.length);
    for (const r of TEXT_RULES) {
      expect(r.score).toBeGreaterThan(0);
      expect(r.score).toBeLessThan(1);
      expect(() => new RegExp(r.pattern, 'g')).not.toThrow();
    }
  });

  it.each([
    ['violence', 'I will kill you', 0.85],
    ['violence', "I'm going to shoot up the school tomorrow", 0.85],
    ['violence', 'we are gonna fucking murder your family', 0.85],
    ['violence', "I'll beat you up after class", 0.85],
    ['violence', 'someone should shoot him', 0.85],
    ['violence', 'you are going to get stabbed', 0.85],
    ['violence', 'i know where you live', 0.5],
    ['harassment', 'kill yourself', 0.85],
    ['harassment', 'just go kys loser', 0.85],
    ['harassment', 'I hope you die in a fire', 0.85],
    ['harassment', 'you are a worthless idiot', 0.5],
    ['harassment', "you're so pathetic", 0.5],
    ['harassment', 'nobody likes you', 0.5],
    ['self-harm', "I'm going to kill myself tonight", 0.8],
    ['self-harm', 'I want to end my life', 0.4],
    ['self-harm', "I've been cutting myself again", 0.4],
    ['self-harm', "I don't want to live anymore", 0.4],
    ['self-harm', 'I wish I was dead', 0.4],
    ['self-harm', 'what is the most painless way to die', 0.4],
    ['sexual', 'send me nudes', 0.5],
    ['sexual', 'wanna have sex tonight?', 0.5],
    ['hate', 'immigrants are vermin', 0.85],
    ['hate', 'all refugees should be exterminated', 0.85],
    ['hate', 'gas the jews', 0.85],
    ['hate', 'muslims are genetically inferior', 0.85],
    ['hate', 'gays should go back to where they came from', 0.5],
  ])('flags %s in %j', async (category, text, atLeast) => {
    expect((await best(text)).get(category) ?? 0).toBeGreaterThanOrEqual(atLeast);
  });

  it.each([
    'I will never hurt you',
    'I will not kill you',
    "I'm not going to kill myself, don't worry",
    "Don't kill yourself over this deadline",
    "I'm gonna shoot her a message later",
    'We will shoot the school play video on Friday',
    'I killed it at the gym today',
    'This game is killing me',
    'Thank you trash collectors!',
    'You are not stupid',
    'The assassin in the novel was hired to kill the king',
    'Kill the process with SIGTERM',
    'Men are welcome to join, women too',
    'Skills: killing time, self-hosting',
    'The history of the mass shooting debate',
    'How to cut vegetables',
    'Send me the report by Friday',
    'I hate Mondays',
  ])('does not flag %j', async (text) => {
    const signals = await run(detector, text);
    expect(signals.filter((s) => s.score >= 0.5)).toEqual([]);
  });

  it('reports spans of the original text, through obfuscation', async () => {
    const text = 'Listen: I w\u200bill k1ll y.o.u, got it?';
    const signals = await run(detector, text);
    const violence = signalOf(signals, 'violence', 'threat');
    expect(violence?.score).toBeGreaterThanOrEqual(0.85);
    expect(spanTexts(text, violence)).toEqual(['I w\u200bill k1ll y.o.u']);
    expect(violence?.evidence[0]).toMatchObject({ kind: 'span', rule: 'violence.threat.kill' });
  });

  it('emits one signal per category and label, with all rules as evidence', async () => {
    const text = 'you are a worthless idiot and nobody likes you';
    const signals = await run(detector, text);
    expect(signals).toHaveLength(1);
    expect(signals[0]).toMatchObject({ detector: 'text-rules', category: 'harassment', label: 'insult' });
    expect(signals[0]?.evidence.map((e) => (e.kind === 'span' ? e.rule : ''))).toEqual([
      'harassment.insult',
      'harassment.isolation',
    ]);
  });

  it('caps evidence spans on long repeated threats', async () => {
    const text = 'I will kill you. '.repeat(100_000);
    const violence = signalOf(await run(detector, text), 'violence', 'threat');
    expect(violence?.evidence).toHaveLength(50);
  });

  it('returns nothing for empty text', async () => {
    expect(await run(detector, '')).toEqual([]);
  });
});
