import { escapeHtml, escapeVisibleText } from '../../../core/report/escape-html';

describe('escapeHtml', () => {
  it('escapes every character that can open a tag, an entity or leave an attribute', () => {
    expect(escapeHtml(`<script>alert("x")</script> & 'q' \`b\``)).toBe(
      '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;q&#39; &#96;b&#96;',
    );
  });

  it('leaves nothing that a parser would read as markup', () => {
    const hostile = `"><img src=x onerror=alert(1)><svg/onload=alert(2)>'`;
    expect(escapeHtml(hostile)).not.toMatch(/[<>"']/);
  });

  it('formats numbers', () => {
    expect(escapeHtml(42)).toBe('42');
  });
});

describe('escapeVisibleText', () => {
  it('shows zero-width and direction-changing characters as labelled markers', () => {
    const html = escapeVisibleText('a\u200bb\u202ec\ufeff');
    expect(html).toContain('<span class="inv" title="U+200B">U+200B</span>');
    expect(html).toContain('U+202E');
    expect(html).toContain('U+FEFF');
    expect(html).not.toMatch(/[\u200b\u202e\ufeff]/);
  });

  it('still escapes markup', () => {
    expect(escapeVisibleText('<b>')).toBe('&lt;b&gt;');
  });
});
