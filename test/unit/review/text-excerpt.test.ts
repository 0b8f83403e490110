import { buildTextExcerpt } from '../../../core/review/text-excerpt';

describe('buildTextExcerpt', () => {
  it('shows a short text whole with its spans highlighted', () => {
    const text = 'what a load of shit, really';
    const ex = buildTextExcerpt(text, [{ start: 15, end: 19, label: 'profanity' }]);
    expect(ex.parts).toEqual([
      { kind: 'text', text: 'what a load of ' },
      { kind: 'mark', text: 'shit', labels: ['profanity'] },
      { kind: 'text', text: ', really' },
    ]);
    expect(ex.truncated).toBe(false);
    expect(ex.totalChars).toBe(text.length);
  });

  it('splits overlapping spans so every piece carries all its labels', () => {
    const ex = buildTextExcerpt('abcdefgh', [
      { start: 1, end: 5, label: 'x' },
      { start: 3, end: 7, label: 'y' },
    ]);
    expect(ex.parts).toEqual([
      { kind: 'text', text: 'a' },
      { kind: 'mark', text: 'bc', labels: ['x'] },
      { kind: 'mark', text: 'de', labels: ['x', 'y'] },
      { kind: 'mark', text: 'fg', labels: ['y'] },
      { kind: 'text', text: 'h' },
    ]);
  });

  it('clips spans out of range and drops empty ones', () => {
    const ex = buildTextExcerpt('short', [
      { start: 3, end: 99, label: 'x' },
      { start: 50, end: 60, label: 'gone' },
      { start: 2, end: 2, label: 'empty' },
    ]);
    expect(ex.parts).toEqual([
      { kind: 'text', text: 'sho' },
      { kind: 'mark', text: 'rt', labels: ['x'] },
    ]);
  });

  it('shows a long text as windows around the highlights, within the budget', () => {
    const text = `${'a'.repeat(5000)}HIT${'b'.repeat(5000)}HIT${'c'.repeat(5000)}`;
    const ex = buildTextExcerpt(
      text,
      [
        { start: 5000, end: 5003, label: 'one' },
        { start: 10003, end: 10006, label: 'two' },
      ],
      { maxChars: 1000, context: 10 },
    );
    expect(ex.truncated).toBe(true);
    expect(ex.parts.filter((p) => p.kind === 'mark').map((p) => p.kind === 'mark' && p.text)).toEqual([
      'HIT',
      'HIT',
    ]);
    const shown = ex.parts.reduce((n, p) => n + (p.kind === 'gap' ? 0 : p.text.length), 0);
    const hidden = ex.parts.reduce((n, p) => n + (p.kind === 'gap' ? p.chars : 0), 0);
    expect(shown).toBe(46);
    expect(shown + hidden).toBe(text.length);
    expect(ex.parts[0]).toEqual({ kind: 'gap', chars: 4990 });
  });

  it('shows the beginning of a long text without highlights', () => {
    const ex = buildTextExcerpt('x'.repeat(100), [], { maxChars: 10 });
    expect(ex.parts).toEqual([
      { kind: 'text', text: 'x'.repeat(10) },
      { kind: 'gap', chars: 90 },
    ]);
  });

  it('never cuts a surrogate pair in two', () => {
    const text = `${'a'.repeat(9)}🙂${'b'.repeat(50)}`;
    const ex = buildTextExcerpt(text, [], { maxChars: 10 });
    expect(ex.parts[0]).toEqual({ kind: 'text', text: 'a'.repeat(9) });
  });

  it('keeps hostile markup as plain text for the renderer to escape', () => {
    const text = '<script>alert(1)</script>';
    const ex = buildTextExcerpt(text, [{ start: 0, end: 8, label: 'x' }]);
    expect(ex.parts.map((p) => (p.kind === 'gap' ? '' : p.text)).join('')).toBe(text);
  });
});
