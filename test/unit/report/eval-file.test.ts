import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EvalFileSchema } from '../../../core/report/eval-file';

describe('EvalFileSchema', () => {
  it('reads the fixture eval.json, dropping curve points that do not parse', () => {
    const raw = JSON.parse(
      readFileSync(join(__dirname, '../../integration/report/fixtures/eval.json'), 'utf8'),
    );
    const e = EvalFileSchema.parse(raw);
    expect(e.dataset).toBe('fixture-set');
    expect(Object.keys(e.categories ?? {})).toEqual(['hate', 'spam', 'pii']);
    expect(e.categories?.pii?.curve).toHaveLength(2);
    expect(e.macro?.f1).toBe(0.816);
    expect(e.categories?.hate?.thresholds).toEqual({ review: 0.5, block: 0.85 });
    expect(e.errors).toEqual({ count: 2, codes: { 'corrupt-media': 2 } });
    expect(e.languages?.es?.rows).toBe(40);
  });

  it('tolerates missing and wrong-typed fields', () => {
    expect(EvalFileSchema.parse({})).toEqual({});
    const e = EvalFileSchema.parse({
      rows: 'many',
      policy: 7,
      categories: { hate: { precision: 'high', curve: 'none' }, spam: 3 },
      macro: { f1: null },
      languages: { en: { rows: 3, f1: 0.5 } },
      errors: 'none',
    });
    expect(e.languages?.en).toEqual({ rows: 3, f1: 0.5 });
    expect(e.errors).toBeUndefined();
    expect(e.rows).toBeUndefined();
    expect(e.policy).toBeUndefined();
    expect(e.categories?.hate).toEqual({ curve: [] });
    expect(e.categories?.spam).toEqual({ curve: [] });
    expect(e.macro?.f1).toBeNull();
  });
});
