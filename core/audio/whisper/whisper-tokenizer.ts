import { ModelLoadError } from '../../errors';

/** Seconds between two consecutive Whisper timestamp tokens. */
export const WHISPER_TIMESTAMP_STEP = 0.02;

const TIMESTAMP_TOKEN = /^<\|(\d+\.\d\d)\|>$/;
const SPECIAL_LOOKING = /^<\|.*\|>$/;

/**
 * GPT-2's `bytes_to_unicode`, reversed: the printable character a byte-level BPE vocabulary uses for each byte,
 * mapped back to the byte. Printable Latin-1 bytes stand for themselves; the other 68 bytes were shifted to
 * U+0100 and up so that no vocabulary entry holds whitespace or control characters.
 */
function unicodeToBytes(): Map<string, number> {
  const printable: number[] = [];
  const ranges: [number, number][] = [
    [0x21, 0x7e],
    [0xa1, 0xac],
    [0xae, 0xff],
  ];
  for (const [from, to] of ranges) for (let b = from; b <= to; b++) printable.push(b);
  const map = new Map<string, number>();
  for (const b of printable) map.set(String.fromCharCode(b), b);
  let shifted = 0;
  for (let b = 0; b < 256; b++) {
    if (map.has(String.fromCharCode(b))) continue;
    map.set(String.fromCharCode(256 + shifted), b);
    shifted++;
  }
  return map;
}

const BYTE_OF_CHAR = unicodeToBytes();

/** The Whisper special tokens a decoder prompt and its output need, by id. */
export interface WhisperSpecialTokens {
  readonly endOfText: number;
  readonly startOfTranscript: number;
  readonly transcribe: number;
  readonly translate: number;
  readonly noTimestamps: number;
  /** Id of `<|0.00|>` (or `<|notimestamps|>` + 1 when not listed); `<|k·0.02|>` is `timestampBegin + k`. */
  readonly timestampBegin: number;
  /**
   * Id of the last timestamp token the tokenizer lists (`<|30.00|>` for real Whisper); `MAX_SAFE_INTEGER` when
   * the tokenizer lists none, so every id from `timestampBegin` on is a timestamp.
   */
  readonly timestampEnd: number;
}

interface TokenizerJson {
  readonly model?: { readonly vocab?: unknown };
  readonly added_tokens?: unknown;
}

/**
 * Decode-only byte-level BPE tokenizer for Whisper, read from a Hugging Face `tokenizer.json`: `model.vocab`
 * (`{ token: id }`, tokens in GPT-2's byte-to-unicode alphabet) plus `added_tokens` (`[{ id, content }]`, the
 * `<|…|>` specials and timestamps, taken literally). Encoding is not needed: the prompt is special tokens only.
 */
export class WhisperTokenizer {
  /** Token id → token string (vocabulary entries in byte-level form, added tokens literal). */
  private readonly tokens = new Map<number, string>();
  /** Ids that decode as control tokens, not text: added tokens marked special and anything shaped `<|…|>`. */
  private readonly specialIds = new Set<number>();
  /** Added tokens that are plain text: their content is literal, not in the byte alphabet. */
  private readonly literalIds = new Set<number>();
  private readonly idOfContent = new Map<string, number>();
  /** The special token ids; throws `ModelLoadError` at construction when one is missing. */
  readonly special: WhisperSpecialTokens;
  private readonly decoder = new TextDecoder('utf-8');

  /**
   * Parses the text of a `tokenizer.json`. Throws `ModelLoadError` when it is not JSON, lacks `model.vocab`, or
   * misses a Whisper special token. `source` names the file in messages.
   */
  constructor(json: string, source = 'tokenizer.json') {
    let data: TokenizerJson;
    try {
      data = JSON.parse(json) as TokenizerJson;
    } catch (cause) {
      throw new ModelLoadError(`${source} is not valid JSON`, { cause });
    }
    const vocab = data?.model?.vocab;
    if (vocab === null || typeof vocab !== 'object' || Array.isArray(vocab)) {
      throw new ModelLoadError(
        `${source} has no model.vocab object ({ token: id }); is it a BPE tokenizer.json?`,
      );
    }
    for (const [token, id] of Object.entries(vocab as Record<string, unknown>)) {
      if (!Number.isInteger(id) || (id as number) < 0) {
        throw new ModelLoadError(`${source}: model.vocab["${token}"] is not a token id`);
      }
      this.add(id as number, token, SPECIAL_LOOKING.test(token), false);
    }
    const added = data.added_tokens ?? [];
    if (!Array.isArray(added)) throw new ModelLoadError(`${source}: added_tokens is not an array`);
    for (const [i, t] of added.entries()) {
      const { id, content, special } = (t ?? {}) as { id?: unknown; content?: unknown; special?: unknown };
      if (!Number.isInteger(id) || (id as number) < 0 || typeof content !== 'string') {
        throw new ModelLoadError(`${source}: added_tokens[${i}] needs an integer id and a string content`);
      }
      const isSpecial = special === true || SPECIAL_LOOKING.test(content);
      this.add(id as number, content, isSpecial, !isSpecial);
    }
    this.special = this.findSpecials(source);
  }

  private add(id: number, content: string, special: boolean, literal: boolean): void {
    this.tokens.set(id, content);
    this.idOfContent.set(content, id);
    if (special) this.specialIds.add(id);
    else this.specialIds.delete(id);
    if (literal) this.literalIds.add(id);
    else this.literalIds.delete(id);
  }

  private findSpecials(source: string): WhisperSpecialTokens {
    const need = (content: string): number => {
      const id = this.idOfContent.get(content);
      if (id === undefined)
        throw new ModelLoadError(`${source} has no ${content} token; is it a Whisper tokenizer?`);
      return id;
    };
    const noTimestamps = need('<|notimestamps|>');
    const listed = this.idOfContent.get('<|0.00|>');
    // Tokenizers saved before Hugging Face listed the timestamps (2023) lack them; Whisper's own rule then applies:
    // every id after <|notimestamps|> is a timestamp.
    const timestampBegin = listed ?? noTimestamps + 1;
    let timestampEnd = listed === undefined ? Number.MAX_SAFE_INTEGER : timestampBegin;
    for (const [content, id] of this.idOfContent) {
      const m = TIMESTAMP_TOKEN.exec(content);
      if (!m) continue;
      const k = Math.round(Number(m[1]) / WHISPER_TIMESTAMP_STEP);
      // Decoding turns ids into times by arithmetic, so the tokens must be consecutive from <|0.00|>.
      if (id !== timestampBegin + k) {
        throw new ModelLoadError(
          `${source}: timestamp token ${content} has id ${id}, expected ${timestampBegin + k} (<|0.00|> + ${k})`,
        );
      }
      timestampEnd = Math.max(timestampEnd, id);
    }
    return {
      endOfText: need('<|endoftext|>'),
      startOfTranscript: need('<|startoftranscript|>'),
      transcribe: need('<|transcribe|>'),
      translate: need('<|translate|>'),
      noTimestamps,
      timestampBegin,
      timestampEnd,
    };
  }

  /** One more than the largest token id: the vocabulary size the decoder's logits should have. */
  get size(): number {
    let max = -1;
    for (const id of this.tokens.keys()) if (id > max) max = id;
    return max + 1;
  }

  /** Id of the token whose text is exactly `content` (e.g. `<|en|>`), or `undefined`. */
  idOf(content: string): number | undefined {
    return this.idOfContent.get(content);
  }

  /** Id of the language token `<|lang|>`; throws `ModelLoadError` when the tokenizer has none. */
  languageId(language: string): number {
    const id = this.idOf(`<|${language}|>`);
    if (id === undefined) {
      throw new ModelLoadError(
        `the Whisper tokenizer has no <|${language}|> token; pick a language it knows`,
      );
    }
    return id;
  }

  /** Whether `id` is a timestamp token. */
  isTimestamp(id: number): boolean {
    return id >= this.special.timestampBegin && id <= this.special.timestampEnd;
  }

  /** Seconds a timestamp token stands for (`(id − id(<|0.00|>)) × 0.02`). */
  timestampSeconds(id: number): number {
    return Math.round((id - this.special.timestampBegin) * WHISPER_TIMESTAMP_STEP * 100) / 100;
  }

  /** Whether `id` is a control token (special or timestamp) rather than text. */
  isSpecial(id: number): boolean {
    return this.specialIds.has(id);
  }

  /**
   * Text of a token sequence: byte-level tokens are mapped back to bytes and the whole run is decoded as UTF-8
   * (so a character split across tokens comes out whole; invalid bytes become U+FFFD). Special and timestamp
   * tokens are skipped unless `skipSpecial` is false; unknown ids are skipped.
   */
  decode(ids: readonly number[], options: { skipSpecial?: boolean } = {}): string {
    const skipSpecial = options.skipSpecial ?? true;
    let text = '';
    let bytes: number[] = [];
    const flush = (): void => {
      if (bytes.length > 0) text += this.decoder.decode(Uint8Array.from(bytes));
      bytes = [];
    };
    for (const id of ids) {
      const token = this.tokens.get(id);
      if (token === undefined) continue;
      if (this.specialIds.has(id)) {
        if (skipSpecial) continue;
        flush();
        text += token;
        continue;
      }
      if (this.literalIds.has(id)) {
        flush();
        text += token;
        continue;
      }
      for (const ch of token) {
        const b = BYTE_OF_CHAR.get(ch);
        if (b !== undefined) bytes.push(b);
        // A character outside the byte alphabet (only in hand-made vocabularies): keep it as its own UTF-8.
        else bytes.push(...Buffer.from(ch, 'utf8'));
      }
    }
    flush();
    return text;
  }
}
