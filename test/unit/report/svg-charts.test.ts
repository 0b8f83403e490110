import { barChart, prCurveChart, segmentTimeline, stackedBarChart } from '../../../core/report/svg-charts';

function attrs(svg: string, tag: string, name: string): number[] {
  return [...svg.matchAll(new RegExp(`<${tag} [^>]*?\\b${name}="([^"]+)"`, 'g'))].map((m) => Number(m[1]));
}

describe('barChart', () => {
  it('draws one bar per entry, scaled to the largest value, with a track behind each', () => {
    const svg = barChart(
      [
        { label: 'allow', value: 30, color: '#2f855a' },
        { label: 'block', value: 15, color: '#c53030' },
        { label: 'error', value: 0, color: '#6b7280' },
      ],
      'Decisions',
      420,
    );
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('<title>Decisions</title>');
    const widths = [...svg.matchAll(/<rect x="\d+" y="\d+" width="([\d.]+)" height="22" rx="4" fill=/g)].map(
      (m) => Number(m[1]),
    );
    expect(widths).toHaveLength(3);
    expect(widths[0]).toBeCloseTo(2 * (widths[1] as number));
    expect(widths[2]).toBe(0);
    expect(svg.match(/class="track"/g)).toHaveLength(3);
  });

  it('escapes labels and refuses colours that are not hex', () => {
    const svg = barChart([{ label: '<script>x</script>', value: 1, color: '"><script>' }], 't');
    expect(svg).not.toContain('<script>');
    expect(svg).toContain('fill="#888888"');
  });
});

describe('stackedBarChart', () => {
  it('stacks the parts of each row and writes both values', () => {
    const svg = stackedBarChart(
      [
        {
          label: 'spam',
          parts: [
            { name: 'block', value: 3, color: '#c53030' },
            { name: 'review', value: 1, color: '#c07d12' },
          ],
        },
        {
          label: 'pii',
          parts: [
            { name: 'block', value: 0, color: '#c53030' },
            { name: 'review', value: 2, color: '#c07d12' },
          ],
        },
      ],
      'Categories',
    );
    expect(svg).toContain('>3 / 1</text>');
    expect(svg).toContain('>0 / 2</text>');
    // Three non-empty parts, each with a tooltip.
    expect(svg.match(/<title>(spam|pii) · /g)).toHaveLength(3);
  });
});

describe('prCurveChart', () => {
  it('plots points in recall order inside the plot area, clamping out-of-range values', () => {
    const svg = prCurveChart(
      [
        { precision: 0.5, recall: 0.9, threshold: 0.2 },
        { precision: 1, recall: 0.1, threshold: 0.9 },
        { precision: 1.4, recall: -0.2 },
      ],
      'PR hate',
      '#9b2c2c',
      280,
    );
    const line = /<polyline [^>]*points="([^"]+)"/.exec(svg)?.[1] ?? '';
    const pts = line.split(' ').map((p) => p.split(',').map(Number) as [number, number]);
    expect(pts).toHaveLength(3);
    const xs = pts.map((p) => p[0]);
    expect([...xs].sort((a, b) => a - b)).toEqual(xs);
    for (const [x, y] of pts) {
      expect(x).toBeGreaterThanOrEqual(42);
      expect(x).toBeLessThanOrEqual(268);
      expect(y).toBeGreaterThanOrEqual(12);
    }
    expect(attrs(svg, 'circle', 'r')).toHaveLength(3);
    expect(svg).toContain('threshold 0.9');
  });

  it('says so when there is no curve', () => {
    expect(prCurveChart([], 'empty', '#000')).toContain('no curve');
  });
});

describe('segmentTimeline', () => {
  it('places segments by time over the duration, one strip per row, with a labelled axis', () => {
    const svg = segmentTimeline(
      [
        {
          label: 'violence',
          color: '#e53e3e',
          segments: [{ start: 2, end: 4, score: 0.85, decision: 'block' }],
        },
        { label: 'speech', color: '#718096', segments: [{ start: 0, end: 10 }] },
      ],
      10,
      596,
    );
    // Plot is 596 - 96 - 8 = 492 px wide from x = 96.
    expect(svg).toContain('<rect x="194.4" y="0" width="98.4" height="18"');
    expect(svg).toContain('stroke="#1a202c"');
    expect(svg).toContain('<rect x="96" y="24" width="492" height="18"');
    expect(svg).toContain('violence 0:02.0–0:04.0 · score 0.85 · block');
    expect(svg).toContain('>0:10.0</text>');
  });

  it('extends the axis to the last segment when the duration is unknown or short', () => {
    const svg = segmentTimeline(
      [{ label: 'spam', color: '#3182ce', segments: [{ start: 5, end: 6, score: 1 }] }],
      0,
    );
    expect(svg).toContain('Timeline of 0:06.0');
  });
});
