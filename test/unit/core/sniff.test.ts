import { looksLikeText, sniffMedia } from '../../../core/media/sniff';

const b = (...xs: (number | string)[]) =>
  Buffer.concat(xs.map((x) => (typeof x === 'string' ? Buffer.from(x, 'latin1') : Buffer.from([x]))));

describe('sniffMedia', () => {
  it.each([
    ['jpeg', b(0xff, 0xd8, 0xff, 0xe0, 'JFIF'), 'image'],
    ['png', b(0x89, 'PNG\r\n', 0x1a, '\n', 'rest'), 'image'],
    ['gif', b('GIF89a', 'rest'), 'image'],
    ['gif', b('GIF87a', 'rest'), 'image'],
    ['webp', b('RIFF', 0, 0, 0, 0, 'WEBPVP8 '), 'image'],
    ['wav', b('RIFF', 0, 0, 0, 0, 'WAVEfmt '), 'audio'],
    ['tiff', b('II*', 0, 'rest'), 'image'],
    ['tiff', b('MM', 0, '*rest'), 'image'],
    ['avif', b(0, 0, 0, 0x1c, 'ftypavif', 0, 0, 0, 0, 'avifmif1miaf'), 'image'],
    ['heic', b(0, 0, 0, 0x18, 'ftypheic', 0, 0, 0, 0, 'mif1heic'), 'image'],
    ['mp4', b(0, 0, 0, 0x20, 'ftypisom', 0, 0, 2, 0, 'isomiso2avc1mp41'), 'video'],
    ['mov', b(0, 0, 0, 0x14, 'ftypqt  ', 0, 0, 0, 0, 'qt  '), 'video'],
    ['m4a', b(0, 0, 0, 0x1c, 'ftypM4A ', 0, 0, 0, 0, 'M4A mp42isom'), 'audio'],
    ['webm', b(0x1a, 0x45, 0xdf, 0xa3, 0x9f, 0x42, 0x86, 0x81, 0x01, 0x42, 0x82, 0x84, 'webm'), 'video'],
    ['mkv', b(0x1a, 0x45, 0xdf, 0xa3, 0x9f, 0x42, 0x86, 0x81, 0x01, 0x42, 0x82, 0x88, 'matroska'), 'video'],
    ['flac', b('fLaC', 0, 0, 0, 0x22), 'audio'],
    ['ogg', b('OggS', 0, 2), 'audio'],
    ['mp3', b('ID3', 4, 0, 0), 'audio'],
    ['mp3', b(0xff, 0xfb, 0x90, 0x64), 'audio'],
    ['utf-8', Buffer.from('hello world\nsecond line'), 'text'],
    ['utf-8', Buffer.from('Grüße aus Köln — 你好 🌍'), 'text'],
    ['utf-16le', b(0xff, 0xfe, 'h', 0, 'i', 0), 'text'],
    ['utf-16be', b(0xfe, 0xff, 0, 'h', 0, 'i'), 'text'],
  ])('recognises %s by its bytes', (format, bytes, kind) => {
    const info = sniffMedia(bytes);
    expect(info.format).toBe(format);
    expect(info.kind).toBe(kind);
  });

  it('does not trust names: a PNG is an image whatever it is called, and text is text', () => {
    expect(sniffMedia(Buffer.from('just words, named photo.jpg')).kind).toBe('text');
  });

  it('treats text with a few invalid bytes as text (so it is still scanned)', () => {
    const bytes = Buffer.concat([
      Buffer.from('you are an idiot '.repeat(10)),
      b(0xc3, 0x28, 0xff),
      Buffer.from(' end'),
    ]);
    expect(sniffMedia(bytes)).toMatchObject({ kind: 'text', format: 'utf-8' });
  });

  it('calls binary junk unknown', () => {
    const junk = Buffer.from(Array.from({ length: 512 }, (_, i) => (i * 7919 + 13) % 256));
    expect(sniffMedia(junk).kind).toBe('unknown');
    expect(sniffMedia(b('PK', 3, 4, 'zipdata')).kind).toBe('unknown');
    expect(sniffMedia(b('%PDF-1.7\n', 0, 0)).kind).toBe('unknown');
    expect(sniffMedia(Buffer.alloc(0)).kind).toBe('unknown');
    expect(sniffMedia(b('RIFF', 0, 0, 0, 0, 'AVI LIST')).kind).toBe('unknown');
  });

  it('looksLikeText accepts a multi-byte character cut at the end of the head', () => {
    const s = Buffer.from('ab€');
    expect(looksLikeText(s.subarray(0, s.length - 1))).toBe(true);
  });
});
