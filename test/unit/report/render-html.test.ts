import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EvalFileSchema } from '../../../core/report/eval-file';
import { renderReportEnd, renderReportStart } from '../../../core/report/render-html';
import { ReportAggregator } from '../../../core/report/report-model';
import { reportVerdict } from '../../helpers/report-verdict';

const evaluation = EvalFileSchema.parse(
  JSON.parse(readFileSync(join(__dirname, '../../integration/report/fixtures/eval.json'), 'utf8')),
);

function page(withModel = true) {
  const agg = new ReportAggregator();
  agg.add(reportVerdict());
  agg.add(
    reportVerdict({
      item: { uri: 'file:///d/"><script>alert(1)</script>.txt' },
      decision: 'block',
      categories: [{ id: '<img src=x onerror=alert(1)>', score: 0.9, decision: 'block' }],
      signals: [
        {
          detector: 'x',
          category: '<img src=x onerror=alert(1)>',
          label: '<b>l</b>',
          score: 0.9,
          evidence: [],
        },
      ],
    }),
  );
  return {
    runName: 'run',
    ...(withModel ? { model: agg.finish() } : {}),
    summary: { runId: 'r-1', elapsedMs: 1200, itemsPerSecond: 1.7 },
    evaluation,
    problems: [],
    generatedAt: '2026-11-26T10:00:00.000Z',
  };
}

describe('renderReportStart and renderReportEnd', () => {
  it('allows exactly its own script and no fetch of any kind', () => {
    const html = renderReportStart(page()) + renderReportEnd(page(), []);
    const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)?.[1] ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain('img-src data:');
    const script = /<script>([\s\S]*)<\/script>/.exec(html)?.[1] ?? '';
    const hash = createHash('sha256').update(script, 'utf8').digest('base64');
    expect(csp).toContain(`script-src 'sha256-${hash}'`);
    expect(html.match(/<script/g)).toHaveLength(1);
  });

  it('escapes hostile URIs, category ids and labels in the table, charts and filters', () => {
    const html = renderReportStart(page());
    expect(html).not.toContain('<img src=x');
    expect(html).not.toContain('<script>alert');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).toContain('&lt;b&gt;l&lt;/b&gt;');
  });

  it('shows counts, eval metrics, a PR curve per category with its operating point, and breakdowns', () => {
    const html = renderReportStart(page());
    expect(html).toContain('<h1>Run r-1</h1>');
    expect(html.match(/<svg class="chart pr-chart"/g)).toHaveLength(3);
    expect(html.match(/<circle class="marker"/g)).toHaveLength(3);
    expect(html).toContain('review ≥ 0.50');
    expect(html).toContain('<th scope="row">macro average</th>');
    expect(html).toContain('F1 by language');
    expect(html).toContain('accuracy by functionality');
    expect(html).toContain('2 row(s) got an error verdict');
    expect(html).toContain('data-filter-decision="block"');
  });

  it('renders an eval-only directory without the verdict sections', () => {
    const html = renderReportStart(page(false)) + renderReportEnd(page(false), []);
    expect(html).toContain('id="evaluation"');
    expect(html).not.toContain('id="item-table"');
    expect(html).not.toContain('id="evidence"');
  });

  it('says what was capped', () => {
    const agg = new ReportAggregator({
      tableRows: 1,
      flaggedCards: 1,
      allowedCards: 0,
      textExcerptChars: 10,
      allowedThumbnailBytes: 0,
    });
    for (let i = 0; i < 3; i++)
      agg.add(
        reportVerdict({ decision: 'review', categories: [{ id: 'spam', score: 0.6, decision: 'review' }] }),
      );
    agg.addInvalid();
    const html = renderReportStart({ ...page(), model: agg.finish() });
    expect(html).toContain('The item table lists 1 of 3 items');
    expect(html).toContain('2 more have no card');
    expect(html).toContain('1 line(s) of verdicts.jsonl are not valid verdicts');
  });
});
