import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { PolicySchema } from '../../../core/policy/policy';

const file = join(__dirname, '..', '..', '..', 'policies', 'default.yaml');

const EXPECTED_THRESHOLDS: Record<string, { review: number; block: number }> = {
  sexual: { review: 0.5, block: 0.85 },
  hate: { review: 0.5, block: 0.85 },
  harassment: { review: 0.5, block: 0.85 },
  violence: { review: 0.5, block: 0.85 },
  'self-harm': { review: 0.4, block: 0.8 },
  profanity: { review: 0.5, block: 0.95 },
  spam: { review: 0.5, block: 0.85 },
  pii: { review: 0.5, block: 0.9 },
  'hash-match': { review: 0.5, block: 0.9 },
};

const OPENAI = new Set([
  'sexual',
  'sexual/minors',
  'hate',
  'hate/threatening',
  'harassment',
  'harassment/threatening',
  'self-harm',
  'self-harm/intent',
  'self-harm/instructions',
  'violence',
  'violence/graphic',
  'illicit',
  'illicit/violent',
]);

describe('policies/default.yaml', () => {
  const raw = parse(readFileSync(file, 'utf8'));

  it('is a valid policy', () => {
    const result = PolicySchema.safeParse(raw);
    if (!result.success) throw new Error(JSON.stringify(result.error.issues, null, 2));
    expect(result.data.id).toBe('default');
    expect(result.data.version).toBe('2026-11-26.3');
    expect(result.data.disabledDetectors).toEqual([]);
    expect(result.data.limits).toEqual({
      maxTextBytes: 16777216,
      maxItemBytes: 4294967296,
      detectorTimeoutMs: 30000,
      maxMediaDurationSec: 10800,
    });
  });

  it('has exactly the default categories, in order, with the documented thresholds', () => {
    const policy = PolicySchema.parse(raw);
    expect(policy.categories.map((c) => c.id)).toEqual(Object.keys(EXPECTED_THRESHOLDS));
    for (const c of policy.categories) expect(c.thresholds).toEqual(EXPECTED_THRESHOLDS[c.id]);
  });

  it('describes every category and maps it to the three reference taxonomies', () => {
    const policy = PolicySchema.parse(raw);
    for (const c of policy.categories) {
      expect(c.description).toBeTruthy();
      expect(Object.keys(c.mappings ?? {}).sort()).toEqual(['mlcommons', 'openai', 'rekognition']);
      for (const id of c.mappings?.openai ?? []) expect(OPENAI.has(id)).toBe(true);
    }
  });

  it('blocks with at least a tag in every category', () => {
    const policy = PolicySchema.parse(raw);
    for (const c of policy.categories) expect(c.actions.block).toContain('tag');
  });
});
