import { excerptOf } from '../../../core/report/text-excerpt';
import { highlightText } from '../../../core/report/text-highlight';

const span = (start: number, end: number, category = 'hate', color = '#9b2c2c') => ({
  start,
  end,
  category,
  label: 'l',
  rule: 'r',
  color,
});

describe('highlightText', () => {
  it('wraps each span in a mark with its category colour and tooltip', () => {
    const { html, outside } = highlightText('you are vermin.', [span(8, 14)]);
    expect(html).toBe('you are <mark style="--c:#9b2c2c" title="hate · l · r">vermin</mark>.');
    expect(outside).toBe(0);
  });

  it('splits overlapping spans at every boundary and names all spans on the shared piece', () => {
    const { html } = highlightText('abcdef', [span(0, 4, 'hate'), span(2, 6, 'spam', '#3182ce')]);
    expect(html).toBe(
      '<mark style="--c:#9b2c2c" title="hate · l · r">ab</mark>' +
        '<mark style="--c:#9b2c2c" title="hate · l · r\nspam · l · r">cd</mark>' +
        '<mark style="--c:#3182ce" title="spam · l · r">ef</mark>',
    );
  });

  it('underlines weak spans and never draws one over a strong span', () => {
    const { html } = highlightText('abcdef', [
      { ...span(0, 6, 'hate'), strength: 'weak' },
      span(2, 4, 'hate'),
    ]);
    expect(html).toBe(
      '<mark class="weak" style="--c:#9b2c2c" title="hate · l · r">ab</mark>' +
        '<mark style="--c:#9b2c2c" title="hate · l · r\nhate · l · r">cd</mark>' +
        '<mark class="weak" style="--c:#9b2c2c" title="hate · l · r">ef</mark>',
    );
  });

  it('escapes the text inside and outside marks', () => {
    const { html } = highlightText('<script>alert(1)</script> idiot', [span(0, 8)]);
    expect(html).not.toContain('<script>');
    expect(html).toContain('<mark style="--c:#9b2c2c" title="hate · l · r">&lt;script&gt;</mark>');
  });

  it('cuts spans at the end of an excerpt and counts those past it', () => {
    const { html, outside } = highlightText('abc', [span(1, 10), span(5, 7), span(3, 4)]);
    expect(html).toBe('a<mark style="--c:#9b2c2c" title="hate · l · r">bc</mark>');
    expect(outside).toBe(2);
  });

  it('ignores empty or inverted spans and unsafe colours', () => {
    expect(highlightText('abc', [span(2, 2), span(2, 1)]).html).toBe('abc');
    expect(highlightText('abc', [span(0, 1, 'x', 'red;background:url(x)')]).html).toContain('--c:#888888');
  });

  it('indexes UTF-16 code units, as the text detectors report spans', () => {
    // An emoji is two code units: the word after it starts at 3.
    const { html } = highlightText('😀 idiot', [span(3, 8)]);
    expect(html).toBe('😀 <mark style="--c:#9b2c2c" title="hate · l · r">idiot</mark>');
  });
});

describe('excerptOf', () => {
  it('never splits a surrogate pair', () => {
    expect(excerptOf('ab😀c', 3)).toBe('ab');
    expect(excerptOf('ab😀c', 4)).toBe('ab😀');
    expect(excerptOf('short', 100)).toBe('short');
  });
});
