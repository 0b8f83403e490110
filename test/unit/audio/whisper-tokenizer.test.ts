import { WhisperTokenizer } from '../../../core/audio/whisper/whisper-tokenizer';
import { ModelLoadError } from '../../../core/errors';
import { byteLevel, TINY, tinyTokenizerJson } from '../../helpers/tiny-whisper';

function withJson(
  edit: (data: { model: { vocab: Record<string, number> }; added_tokens: unknown[] }) => void,
) {
  const data = JSON.parse(tinyTokenizerJson());
  edit(data);
  return JSON.stringify(data);
}

describe('WhisperTokenizer', () => {
  const tok = new WhisperTokenizer(tinyTokenizerJson());

  it('decodes byte-level tokens, skipping special and timestamp tokens', () => {
    const ids = [TINY.timestamp0, TINY.hello, TINY.world, TINY.timestamp0 + 50, TINY.endOfText];
    expect(tok.decode(ids)).toBe(' hello world');
    expect(tok.decode(ids, { skipSpecial: false })).toBe('<|0.00|> hello world<|1.00|><|endoftext|>');
  });

  it('maps every byte back, including multi-byte UTF-8 split across tokens', () => {
    expect(tok.decode([TINY.cafe])).toBe(' café');
    expect(tok.decode([0xc3, 0xa9])).toBe('é');
    // 😀 is F0 9F 98 80: four byte tokens, two of them in the shifted range of bytes_to_unicode.
    expect(tok.decode([0xf0, 0x9f, 0x98, 0x80])).toBe('😀');
    expect(tok.decode([0x20, 0x0a, 0x09, 0x7f, 0xad])).toBe(
      Buffer.from([0x20, 0x0a, 0x09, 0x7f, 0xad]).toString(),
    );
    expect(byteLevel(' café')).toBe('ĠcafÃ©');
    // A broken sequence becomes U+FFFD instead of throwing.
    expect(tok.decode([0xc3])).toBe('\ufffd');
  });

  it('finds the special tokens by content and turns timestamp ids into seconds', () => {
    expect(tok.special).toEqual({
      endOfText: TINY.endOfText,
      startOfTranscript: TINY.startOfTranscript,
      transcribe: TINY.transcribe,
      translate: TINY.translate,
      noTimestamps: TINY.noTimestamps,
      timestampBegin: TINY.timestamp0,
      timestampEnd: TINY.timestamp0 + TINY.timestamps - 1,
    });
    expect(tok.languageId('en')).toBe(TINY.en);
    expect(tok.idOf('<|de|>')).toBe(TINY.de);
    expect(tok.isTimestamp(TINY.timestamp0)).toBe(true);
    expect(tok.isTimestamp(TINY.noTimestamps)).toBe(false);
    expect(tok.isTimestamp(TINY.timestamp0 + TINY.timestamps)).toBe(false);
    expect(tok.timestampSeconds(TINY.timestamp0 + 75)).toBe(1.5);
    expect(tok.isSpecial(TINY.timestamp0 + 3)).toBe(true);
    expect(tok.isSpecial(TINY.hello)).toBe(false);
  });

  it('treats every id after <|notimestamps|> as a timestamp when the tokenizer lists none', () => {
    const t = new WhisperTokenizer(
      withJson((d) => {
        d.added_tokens = d.added_tokens.filter((x) => !(x as { content: string }).content.includes('.'));
      }),
    );
    expect(t.special.timestampBegin).toBe(TINY.noTimestamps + 1);
    expect(t.isTimestamp(TINY.timestamp0 + 50)).toBe(true);
    expect(t.isTimestamp(60_000)).toBe(true);
    expect(t.timestampSeconds(TINY.timestamp0 + 50)).toBe(1);
    expect(t.isTimestamp(TINY.noTimestamps)).toBe(false);
    expect(t.size).toBe(TINY.noTimestamps + 1);
    expect(tok.size).toBe(TINY.timestamp0 + TINY.timestamps);
  });

  it('decodes added tokens that are not special literally', () => {
    const t = new WhisperTokenizer(
      withJson((d) => {
        d.added_tokens.push({ id: 999, content: ' Ā!', special: false });
      }),
    );
    expect(t.decode([TINY.hello, 999])).toBe(' hello Ā!');
  });

  it('rejects malformed files and missing special tokens with ModelLoadError', () => {
    const bad: [string, RegExp][] = [
      ['{ not json', /not valid JSON/],
      ['{"model": {}}', /no model\.vocab/],
      ['[]', /no model\.vocab/],
      [
        withJson((d) => {
          d.model.vocab.x = -1;
        }),
        /model\.vocab\["x"\] is not a token id/,
      ],
      [
        withJson((d) => {
          d.added_tokens = [{ id: 'a' }];
        }),
        /added_tokens\[0\]/,
      ],
      [
        withJson((d) => {
          d.added_tokens = d.added_tokens.filter(
            (t) => (t as { content: string }).content !== '<|startoftranscript|>',
          );
        }),
        /no <\|startoftranscript\|> token/,
      ],
      [
        withJson((d) => {
          const t = d.added_tokens.find((x) => (x as { content: string }).content === '<|0.02|>') as {
            id: number;
          };
          t.id = 5000;
        }),
        /<\|0\.02\|> has id 5000, expected 271/,
      ],
    ];
    for (const [json, message] of bad) {
      expect(() => new WhisperTokenizer(json, 'tok.json')).toThrow(ModelLoadError);
      expect(() => new WhisperTokenizer(json, 'tok.json')).toThrow(message);
    }
    expect(() => tok.languageId('fr')).toThrow(ModelLoadError);
  });
});
