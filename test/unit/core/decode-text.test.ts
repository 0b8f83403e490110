import { decodeText } from '../../../core/text/decode-text';

describe('decodeText', () => {
  it('decodes valid UTF-8 and drops a BOM', () => {
    expect(decodeText(Buffer.from('\uFEFFhello', 'utf8'), 'utf-8')).toEqual({
      text: 'hello',
      invalidEncoding: false,
    });
  });
  it('replaces invalid bytes and reports them, keeping the rest readable', () => {
    const r = decodeText(Buffer.from([0x68, 0x69, 0xff, 0x21]), 'utf-8');
    expect(r).toEqual({ text: 'hi\uFFFD!', invalidEncoding: true });
  });
  it('decodes UTF-16 in both byte orders', () => {
    expect(decodeText(Buffer.from([0xff, 0xfe, 0x68, 0, 0x69, 0]), 'utf-16le').text).toBe('hi');
    expect(decodeText(Buffer.from([0xfe, 0xff, 0, 0x68, 0, 0x69]), 'utf-16be').text).toBe('hi');
  });
});
