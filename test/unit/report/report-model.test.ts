import { DEFAULT_REPORT_LIMITS, ReportAggregator } from '../../../core/report/report-model';
import { reportVerdict } from '../../helpers/report-verdict';

function flaggedVerdict(i: number, decision: 'review' | 'block', category = 'spam') {
  return reportVerdict({
    item: { uri: `file:///d/${i}.txt` },
    decision,
    categories: [
      { id: category, score: decision === 'block' ? 0.9 : 0.6, decision },
      { id: 'hate', score: 0.1, decision: 'allow' },
    ],
    signals: [
      { detector: 'text-spam', category, label: 'scam', score: 0.9, evidence: [] },
      { detector: 'text-language', category: null, label: 'lang:en', score: 0.9, evidence: [] },
    ],
  });
}

describe('ReportAggregator', () => {
  it('counts decisions, media, categories, errors, signals and policies over every verdict', () => {
    const agg = new ReportAggregator();
    agg.add(reportVerdict());
    agg.add(flaggedVerdict(2, 'block'));
    agg.add(flaggedVerdict(3, 'review'));
    agg.add(flaggedVerdict(4, 'review', 'pii'));
    agg.add(reportVerdict({ decision: 'error', item: { media: 'image', format: 'png' }, cached: true }));
    agg.addInvalid();
    const m = agg.finish();
    expect(m.items).toBe(5);
    expect(m.invalidLines).toBe(1);
    expect(m.decisions).toEqual({ allow: 1, review: 2, block: 1, error: 1 });
    expect(m.media).toEqual({ text: 4, image: 1 });
    expect(m.cached).toBe(1);
    expect(m.errors).toEqual([{ code: 'unreadable', items: 1 }]);
    expect(m.categories.map((c) => [c.id, c.review, c.block, c.scored])).toEqual([
      ['spam', 1, 1, 2],
      ['pii', 1, 0, 1],
      ['hate', 0, 0, 3],
    ]);
    // Labels count once per item, only for categories that flagged it; informational signals are left out.
    expect(m.topSignals).toEqual([
      { category: 'spam', label: 'scam', items: 2 },
      { category: 'pii', label: 'scam', items: 1 },
    ]);
    expect(m.policies).toEqual([{ id: 'default', version: '1', items: 5 }]);
    expect(m.runIds).toEqual(['run-1']);
  });

  it('keeps flagged and errored rows first when the table is capped, in file order', () => {
    const agg = new ReportAggregator({ ...DEFAULT_REPORT_LIMITS, tableRows: 3 });
    for (let i = 1; i <= 10; i++) agg.add(i % 4 === 0 ? flaggedVerdict(i, 'block') : reportVerdict());
    const m = agg.finish();
    expect(m.items).toBe(10);
    // Items 4 and 8 are flagged; one allowed row fills the rest.
    expect(m.table.map((r) => r.index)).toEqual([1, 4, 8]);
    expect(m.table.find((r) => r.index === 4)?.flagged.map((c) => c.id)).toEqual(['spam']);
  });

  it('caps cards per kind and orders them block, review, error, allow', () => {
    const agg = new ReportAggregator({ ...DEFAULT_REPORT_LIMITS, flaggedCards: 3, allowedCards: 1 });
    agg.add(reportVerdict());
    agg.add(flaggedVerdict(2, 'review'));
    agg.add(reportVerdict({ decision: 'error' }));
    agg.add(reportVerdict());
    agg.add(flaggedVerdict(5, 'block'));
    agg.add(flaggedVerdict(6, 'block'));
    const m = agg.finish();
    expect(m.cards.map((c) => [c.index, c.verdict.decision])).toEqual([
      [5, 'block'],
      [2, 'review'],
      [3, 'error'],
      [1, 'allow'],
    ]);
    expect(m.flaggedWithoutCard).toBe(1);
    expect(m.table.filter((r) => r.hasCard).map((r) => r.index)).toEqual([1, 2, 3, 5]);
  });

  it('keeps memory bounded: the table and cards never exceed their limits', () => {
    const agg = new ReportAggregator({
      ...DEFAULT_REPORT_LIMITS,
      tableRows: 50,
      flaggedCards: 5,
      allowedCards: 5,
    });
    for (let i = 1; i <= 20_000; i++) agg.add(i % 3 === 0 ? flaggedVerdict(i, 'review') : reportVerdict());
    const m = agg.finish();
    expect(m.items).toBe(20_000);
    expect(m.decisions.review).toBe(6666);
    expect(m.table).toHaveLength(50);
    expect(m.table.every((r) => r.decision === 'review')).toBe(true);
    expect(m.cards).toHaveLength(10);
  });
});
