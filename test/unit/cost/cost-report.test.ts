import { buildCostReport } from '../../../core/cost/cost-report';
import { formatCostMarkdown, formatCostTable } from '../../../core/cost/format-cost-report';

describe('cost report', () => {
  const report = buildCostReport();

  it('has a row per media type and tier, both statistics, and spot below on-demand', () => {
    const kinds = new Set(report.rows.map((r) => `${r.media}/${r.tier}`));
    expect(kinds).toEqual(
      new Set(['text/fast', 'image/fast', 'unknown/fast', 'image/heavy', 'audio/heavy', 'video/heavy']),
    );
    for (const r of report.rows) {
      expect(r.per1000.p50).toBeGreaterThan(0);
      expect(r.per1000.p95).toBeGreaterThanOrEqual(r.per1000.p50);
    }
    const video = report.rows.filter((r) => r.label === 'video with soundtrack');
    expect(video.map((r) => r.capacity)).toEqual(['on-demand', 'spot']);
    expect(video[1]?.per1000.p50).toBeLessThan(video[0]?.per1000.p50 as number);
    expect(video[0]?.perMinute?.p50).toBeCloseTo((video[0]?.per1000.p50 as number) / 1000, 12);
    expect(video[0]?.rekognition?.per1000).toBeCloseTo(100, 9);
  });

  it('states the target as met, and lists every figure used with its date and machine', () => {
    expect(report.target.met).toBe(true);
    expect(report.target.fastImagePer1000).toBeLessThan(0.02);
    expect(report.target.timesCheaper).toBeGreaterThanOrEqual(50);
    const keys = report.figures.map((f) => f.key);
    expect(keys).toContain('fast-tier.image.no-text.ocr-on.p50');
    expect(keys).toContain('heavy-tier.video.rtf');
    for (const f of report.figures) expect(f.measured).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  it('prices audio and video for the given duration', () => {
    const long = buildCostReport({ durationSec: 600 });
    const row = (r: typeof report, label: string) =>
      r.rows.find((x) => x.label === label && x.capacity === 'spot');
    expect(row(long, 'audio (speech)')?.durationSec).toBe(600);
    expect(row(long, 'audio (speech)')?.per1000.p50).toBeGreaterThan(
      (row(report, 'audio (speech)')?.per1000.p50 as number) * 5,
    );
  });

  it('renders as text and Markdown', () => {
    const text = formatCostTable(report);
    expect(text).toContain(report.pricesVersion);
    expect(text).toMatch(/image, no text \(OCR on\).*\$1\.00 .*× cheaper/);
    expect(text).toContain('Target: ');
    const md = formatCostMarkdown(report);
    expect(md).toContain('| item | tier: runs on |');
    expect(md).toContain('`fast-tier.image.no-text.ocr-on.p50`');
  });
});
