import type { Signal } from '../../signals';
import type { Detector, DetectorContext, TextContent } from '../detector';
import { combinedScore, SpanCollector, toOriginalSpan } from './evidence';
import { type RuleCategory, TEXT_RULES, type TextRule } from './rules-lexicon';

/** Id of the phrase-rule detector. */
export const RULES_DETECTOR_ID = 'text-rules';

/** Category order of the emitted signals. */
const CATEGORY_ORDER: readonly RuleCategory[] = ['violence', 'harassment', 'self-harm', 'sexual', 'hate'];

interface CompiledRule extends TextRule {
  readonly re: RegExp;
}

/**
 * Phrase rules for violence (threats), harassment, self-harm, sexual solicitation and hate, run on the
 * normalized text so that obfuscation is folded; spans are mapped back to the original text. Emits one signal
 * per category and label; its score is the best matching rule's plus 0.03 for each further distinct rule.
 * Evidence `rule` is the rule id (see `rules-lexicon.ts`).
 */
export function createRulesDetector(rules: readonly TextRule[] = TEXT_RULES): Detector<TextContent> {
  const compiled: CompiledRule[] = rules.map((r) => ({ ...r, re: new RegExp(r.pattern, 'g') }));
  return {
    id: RULES_DETECTOR_ID,
    version: '1.0.0',
    media: ['text'],
    tiers: ['fast', 'heavy'],
    detect: (input, ctx) => detectRules(compiled, input, ctx),
  };
}

function detectRules(rules: readonly CompiledRule[], input: TextContent, ctx: DetectorContext): Signal[] {
  const normalized = input.normalized;
  const text = normalized.text;
  const groups = new Map<
    string,
    { category: RuleCategory; label: string; best: number; rules: Set<string>; spans: SpanCollector }
  >();
  for (const rule of rules) {
    ctx.signal.throwIfAborted();
    const re = rule.re;
    re.lastIndex = 0;
    for (let m = re.exec(text); m !== null; m = re.exec(text)) {
      if (m[0].length === 0) {
        re.lastIndex++;
        continue;
      }
      const key = `${rule.category}\u0000${rule.label}`;
      let group = groups.get(key);
      if (group === undefined) {
        group = {
          category: rule.category,
          label: rule.label,
          best: 0,
          rules: new Set(),
          spans: new SpanCollector(),
        };
        groups.set(key, group);
      }
      group.best = Math.max(group.best, rule.score);
      group.rules.add(rule.id);
      // Past the evidence cap, further matches of a rule add nothing: stop scanning for it.
      if (!group.spans.add(toOriginalSpan(normalized, input.text, m.index, m.index + m[0].length), rule.id))
        break;
    }
  }
  const signals: Signal[] = [];
  for (const category of CATEGORY_ORDER) {
    const inCategory = [...groups.values()]
      .filter((g) => g.category === category)
      .sort((a, b) => b.best - a.best);
    for (const g of inCategory) {
      signals.push({
        detector: RULES_DETECTOR_ID,
        category,
        label: g.label,
        score: combinedScore(g.best, g.rules.size, 0.03, 0.97),
        evidence: g.spans.evidence(),
      });
    }
  }
  return signals;
}
