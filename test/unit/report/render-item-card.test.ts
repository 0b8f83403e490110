import { renderItemCard } from '../../../core/report/render-item-card';
import { reportVerdict } from '../../helpers/report-verdict';

const thumb = {
  dataUri: 'data:image/jpeg;base64,AAAA',
  width: 320,
  height: 160,
  sourceWidth: 640,
  sourceHeight: 320,
  bytes: 3,
};

describe('renderItemCard', () => {
  it('highlights text spans and quotes them in the signal list, with everything escaped', () => {
    const text = '<script>window.x=1</script> you are an idiot';
    const v = reportVerdict({
      item: { uri: 'file:///d/%3Cscript%3E"onmouseover=alert(1).txt' },
      decision: 'review',
      categories: [{ id: 'harassment', score: 0.65, decision: 'review' }],
      signals: [
        {
          detector: 'text-rules',
          category: 'harassment',
          label: 'insult',
          score: 0.65,
          evidence: [{ kind: 'span', start: 28, end: 44, rule: 'harassment.insult' }],
        },
      ],
    });
    const html = renderItemCard(
      v,
      { text: { excerpt: text, totalChars: text.length }, notes: [] },
      { index: 7 },
    );
    expect(html).toContain('id="item-7"');
    expect(html).toContain('data-cats="|harassment|"');
    expect(html).toContain('&lt;script&gt;window.x=1&lt;/script&gt;');
    expect(html).toContain('title="harassment · insult · harassment.insult">you are an idiot</mark>');
    expect(html).toContain('<q>you are an idiot</q>');
    expect(html).not.toMatch(/<script|"onmouseover/);
    expect(html).toContain('&quot;onmouseover=alert(1).txt');
  });

  it('blurs the thumbnail of a flagged image behind a reveal toggle and draws its OCR boxes', () => {
    const v = reportVerdict({
      item: { media: 'image', format: 'png', uri: 'file:///d/scam.png' },
      decision: 'block',
      categories: [{ id: 'spam', score: 0.95, decision: 'block' }],
      signals: [
        {
          detector: 'image-ocr',
          category: null,
          label: 'ocr-text',
          score: 0.9,
          evidence: [{ kind: 'region', frame: 0, x: 10, y: 20, width: 300, height: 40, text: 'CLAIM NOW' }],
        },
        {
          detector: 'image-ocr',
          category: 'spam',
          label: 'ocr:scam-link',
          score: 0.95,
          evidence: [
            {
              kind: 'region',
              frame: 0,
              x: 10,
              y: 20,
              width: 300,
              height: 40,
              text: 'CLAIM NOW',
              start: 0,
              end: 5,
            },
          ],
        },
      ],
    });
    const html = renderItemCard(v, { thumbnail: thumb, notes: [] }, { index: 3 });
    expect(html).toContain('<figure class="thumb blurred">');
    expect(html).toContain('<input type="checkbox" class="reveal" id="reveal-item-3">');
    expect(html).toContain('<label class="frame" for="reveal-item-3"');
    expect(html).toContain('viewBox="0 0 640 320"');
    // The same line read and matched is drawn once, in the category's colour.
    expect(html.match(/<rect x="10" y="20" width="300" height="40"/g)).toHaveLength(1);
    expect(html).toContain('stroke="#3182ce"');
    expect(html).toContain('<mark style="--c:#3182ce" title="spam · ocr:scam-link">CLAIM</mark>');
  });

  it('does not blur allowed items', () => {
    const v = reportVerdict({ item: { media: 'image', format: 'png' } });
    const html = renderItemCard(v, { thumbnail: thumb, notes: [] });
    expect(html).toContain('<figure class="thumb">');
    expect(html).not.toContain('class="reveal"');
  });

  it('draws a timeline of segments per category for audio and video', () => {
    const v = reportVerdict({
      item: { media: 'audio', format: 'wav' },
      decision: 'block',
      tier: 'heavy',
      categories: [{ id: 'violence', score: 0.85, decision: 'block' }],
      segments: [
        {
          start: 1.9,
          end: 3.1,
          categories: [{ id: 'violence', score: 0.85, decision: 'block' }],
          evidence: [{ kind: 'time', start: 1.9, end: 3.1 }],
        },
      ],
      signals: [
        {
          detector: 'audio-speech',
          category: null,
          label: 'speech',
          score: 1,
          evidence: [{ kind: 'time', start: 0, end: 3.2 }],
        },
      ],
    });
    const html = renderItemCard(v, { durationSec: 4, notes: [] });
    expect(html).toContain('<svg class="chart timeline"');
    expect(html).toContain('Timeline · 0:04.0');
    expect(html).toContain('violence 0:01.9–0:03.1 · score 0.85 · block');
    expect(html).toContain('>speech</text>');
  });

  it('shows the error code and reason, failed detectors and content notes', () => {
    const v = reportVerdict({
      decision: 'error',
      item: { uri: 's3://bucket/a.txt' },
      error: { code: 'corrupt-media', message: 'bad <header>', retryable: false },
      detectors: [{ id: 'text-rules', version: '1', status: 'failed', reason: 'timeout' }],
    });
    const html = renderItemCard(v, { notes: ['Content not available: the item is not a local file.'] });
    expect(html).toContain('<strong>corrupt-media</strong> bad &lt;header&gt;');
    expect(html).toContain('<strong>text-rules</strong> failed: timeout');
    expect(html).toContain('Content not available');
    expect(html).toContain('class="card card-error"');
  });
});
