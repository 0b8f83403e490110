import * as ort from 'onnxruntime-node';
import { z } from 'zod';
import { DetectorTimeoutError, ModelLoadError } from '../../errors';
import type { Logger } from '../../logging/logger';
import { silentLogger } from '../../logging/logger';
import type { LoadedModel, ModelRegistry } from '../../models/model-registry';
import type { TranscribedWord, Transcriber, Transcription } from '../transcriber';
import { logMelSpectrogram, WHISPER_CHUNK_SAMPLES, WHISPER_N_FRAMES, WHISPER_SAMPLE_RATE } from './log-mel';
import { WhisperTokenizer } from './whisper-tokenizer';

/** Whisper's text context: prompt plus generated tokens never exceed this many positions. */
const WHISPER_TEXT_CONTEXT = 448;
/** Vocabulary size of the English-only `*.en` checkpoints (multilingual ones have 51 865, large-v3 51 866). */
const WHISPER_EN_VOCAB_SIZE = 51_864;

/**
 * `options` of a `speech-recognition` manifest entry. Tensor names default to what
 * `optimum-cli export onnx` writes for `encoder_model.onnx` and `decoder_model.onnx`.
 */
export const WhisperOptionsSchema = z
  .object({
    /** Language token `<|language|>` of the prompt (multilingual models only). */
    language: z
      .string()
      .regex(/^[a-z]{2,3}$/, 'a Whisper language code such as en, de, haw')
      .default('en'),
    /** `transcribe` keeps the spoken language; `translate` asks a multilingual model for English. */
    task: z.enum(['transcribe', 'translate']).default('transcribe'),
    /**
     * `false` for the English-only `*.en` checkpoints, whose prompt is `<|startoftranscript|>` alone; `true`
     * prompts `<|startoftranscript|><|language|><|task|>`. Unset: English-only exactly when the tokenizer has the
     * 51 864 tokens of the `*.en` vocabulary (openai/whisper's own `n_vocab >= 51865` rule).
     */
    multilingual: z.boolean().optional(),
    /** Mel bins of the encoder input: 80, or 128 for large-v3. */
    nMels: z.union([z.literal(80), z.literal(128)]).default(80),
    /** Most tokens generated per 30 s window (timestamps included). */
    maxTokens: z.number().int().positive().max(WHISPER_TEXT_CONTEXT).default(224),
    encoderInput: z.string().min(1).default('input_features'),
    encoderOutput: z.string().min(1).default('last_hidden_state'),
    decoderInputIds: z.string().min(1).default('input_ids'),
    decoderEncoderStates: z.string().min(1).default('encoder_hidden_states'),
    decoderLogits: z.string().min(1).default('logits'),
  })
  .strict();

/** Parsed {@link WhisperOptionsSchema}. */
export type WhisperModelOptions = z.infer<typeof WhisperOptionsSchema>;

/** Options for {@link WhisperTranscriber}. */
export interface WhisperTranscriberOptions {
  /** Where the one "not available" warning and per-window debug timings go. */
  readonly logger?: Logger;
}

/** A stretch of text between two timestamp tokens, in seconds from the start of its window. */
export interface WhisperSegment {
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

interface Ready {
  readonly encoder: LoadedModel;
  readonly decoder: LoadedModel;
  readonly tokenizer: WhisperTokenizer;
  readonly prompt: readonly number[];
}

/**
 * Speech to text with an OpenAI Whisper checkpoint exported to ONNX by Hugging Face optimum: the manifest entry's
 * `file` is `encoder_model.onnx`, `files.decoder` the non-KV-cache `decoder_model.onnx`, `files.tokenizer` its
 * `tokenizer.json` (see docs/speech.md). Audio is cut into consecutive 30 s windows; each is turned into a log-mel
 * spectrogram, encoded once, and decoded greedily with timestamps, re-running the decoder on the whole prefix for
 * every token (no KV cache: simpler, and the decoder is cheap next to the encoder for short outputs).
 *
 * Whisper gives times per segment, not per word: each segment's words are spread over its time range in
 * proportion to their length in characters ({@link spreadWords}), so word times are approximate.
 */
export class WhisperTranscriber implements Transcriber {
  readonly id: string;
  readonly version: string;
  /** The validated model options (defaults filled in). */
  readonly modelOptions: WhisperModelOptions;
  private readonly logger: Logger;
  private ready: Promise<Ready> | undefined;
  private availability: Promise<boolean> | undefined;

  /**
   * Throws `ModelLoadError` when `modelId` is not in the manifest, is not a `speech-recognition` model, lacks
   * `files.decoder` or `files.tokenizer`, or has invalid `options`. Files are not read until first use.
   */
  constructor(
    private readonly registry: ModelRegistry,
    private readonly modelId: string,
    options: WhisperTranscriberOptions = {},
  ) {
    const entry = registry.entry(modelId);
    const what = `model "${modelId}"`;
    if (entry.task !== 'speech-recognition') {
      throw new ModelLoadError(
        `${what} has task ${entry.task}; a Whisper model needs task speech-recognition`,
      );
    }
    const parsed = WhisperOptionsSchema.safeParse(entry.options);
    if (!parsed.success) {
      const problems = parsed.error.issues
        .map((i) => `options${i.path.length > 0 ? `.${i.path.join('.')}` : ''}: ${i.message}`)
        .join('; ');
      throw new ModelLoadError(`${what} has invalid Whisper options: ${problems}`);
    }
    this.modelOptions = parsed.data;
    const missing = ['decoder', 'tokenizer'].filter((role) => entry.files[role] === undefined);
    if (missing.length > 0) {
      throw new ModelLoadError(
        `${what} needs files.${missing.join(' and files.')} (decoder_model.onnx and tokenizer.json)`,
      );
    }
    // The registry checks the main graph against input.name and output.name, so they must be the encoder's.
    if (
      entry.input.name !== this.modelOptions.encoderInput ||
      entry.output.name !== this.modelOptions.encoderOutput
    ) {
      throw new ModelLoadError(
        `${what}: input.name and output.name ("${entry.input.name}", "${entry.output.name}") must be the encoder's ` +
          `("${this.modelOptions.encoderInput}", "${this.modelOptions.encoderOutput}")`,
      );
    }
    this.id = `whisper-onnx:${modelId}`;
    this.version = entry.version;
    this.logger = options.logger ?? silentLogger;
  }

  /** True when the encoder, decoder and tokenizer verify against the manifest and load. Never throws. */
  available(): Promise<boolean> {
    if (this.availability === undefined) {
      this.availability = this.prepare().then(
        () => true,
        (error: unknown) => {
          this.logger.warn('whisper model not available; speech will not be transcribed', {
            model: this.modelId,
            error,
          });
          return false;
        },
      );
    }
    return this.availability;
  }

  async transcribe(pcm: Float32Array, sampleRate: number, signal?: AbortSignal): Promise<Transcription> {
    throwIfAborted(signal);
    if (sampleRate !== WHISPER_SAMPLE_RATE) {
      throw new RangeError(`Whisper needs ${WHISPER_SAMPLE_RATE} Hz PCM, got ${sampleRate} Hz`);
    }
    const ready = await this.prepare();
    const words: TranscribedWord[] = [];
    for (let from = 0; from < pcm.length; from += WHISPER_CHUNK_SAMPLES) {
      const chunk = pcm.subarray(from, from + WHISPER_CHUNK_SAMPLES);
      const offset = from / WHISPER_SAMPLE_RATE;
      const segments = await this.transcribeWindow(ready, chunk, signal);
      for (const s of segments) {
        words.push(...spreadWords(s.text, offset + s.start, offset + s.end));
      }
    }
    return { text: words.map((w) => w.word).join(' '), words };
  }

  private prepare(): Promise<Ready> {
    if (this.ready === undefined) {
      const p = this.load();
      this.ready = p;
      // A failed load is not cached: the files may be fixed while the process runs.
      p.catch(() => {
        if (this.ready === p) this.ready = undefined;
      });
    }
    return this.ready;
  }

  private async load(): Promise<Ready> {
    const o = this.modelOptions;
    const [encoder, decoder] = await Promise.all([
      this.registry.load(this.modelId),
      this.registry.load(this.modelId, 'decoder'),
    ]);
    const s = decoder.session;
    const absent = [
      ...[o.decoderInputIds, o.decoderEncoderStates]
        .filter((n) => !s.inputNames.includes(n))
        .map((n) => `input "${n}"`),
      ...(s.outputNames.includes(o.decoderLogits) ? [] : [`output "${o.decoderLogits}"`]),
    ];
    if (absent.length > 0) {
      throw new ModelLoadError(
        `model "${this.modelId}" (decoder): the ONNX graph has no ${absent.join(' or ')} (it has inputs ` +
          `${s.inputNames.join(', ')}; outputs ${s.outputNames.join(', ')}); set the decoder tensor names in options`,
      );
    }
    const tokenizer = new WhisperTokenizer(
      this.registry.readText(this.modelId, 'tokenizer'),
      `model "${this.modelId}" tokenizer ${this.registry.modelPath(this.modelId, 'tokenizer')}`,
    );
    const sp = tokenizer.special;
    const multilingual = o.multilingual ?? tokenizer.size !== WHISPER_EN_VOCAB_SIZE;
    const prompt = multilingual
      ? [
          sp.startOfTranscript,
          tokenizer.languageId(o.language),
          o.task === 'translate' ? sp.translate : sp.transcribe,
        ]
      : [sp.startOfTranscript];
    this.logger.debug('whisper model ready', { model: this.modelId, multilingual, prompt });
    return { encoder, decoder, tokenizer, prompt };
  }

  /** One window of at most 30 s: segments in seconds from the window start. */
  private async transcribeWindow(
    ready: Ready,
    chunk: Float32Array,
    signal: AbortSignal | undefined,
  ): Promise<WhisperSegment[]> {
    const o = this.modelOptions;
    const t0 = performance.now();
    const mel = new ort.Tensor('float32', logMelSpectrogram(chunk, { nMels: o.nMels }), [
      1,
      o.nMels,
      WHISPER_N_FRAMES,
    ]);
    const t1 = performance.now();
    throwIfAborted(signal);
    const encoded = await ready.encoder.session.run({ [o.encoderInput]: mel }, [o.encoderOutput]);
    mel.dispose();
    const states = encoded[o.encoderOutput];
    if (states === undefined) {
      throw new ModelLoadError(`model "${this.modelId}": the encoder returned no "${o.encoderOutput}"`);
    }
    const t2 = performance.now();
    const { endOfText } = ready.tokenizer.special;
    const tokens = [...ready.prompt];
    const generated: number[] = [];
    try {
      const limit = Math.min(o.maxTokens, WHISPER_TEXT_CONTEXT - tokens.length);
      while (generated.length < limit) {
        throwIfAborted(signal);
        const next = await this.nextToken(ready, tokens, states);
        if (next === endOfText) break;
        tokens.push(next);
        generated.push(next);
      }
    } finally {
      states.dispose();
    }
    const t3 = performance.now();
    if (this.logger.enabled('debug')) {
      this.logger.debug('whisper window', {
        model: this.modelId,
        seconds: chunk.length / WHISPER_SAMPLE_RATE,
        tokens: generated.length,
        melMs: round1(t1 - t0),
        encoderMs: round1(t2 - t1),
        decoderMs: round1(t3 - t2),
        msPerToken: round1((t3 - t2) / Math.max(1, generated.length + 1)),
      });
    }
    return parseWhisperTokens(generated, ready.tokenizer, chunk.length / WHISPER_SAMPLE_RATE);
  }

  /** Greedy choice for the position after `tokens`: the argmax of the last row of the decoder logits. */
  private async nextToken(ready: Ready, tokens: readonly number[], states: ort.Tensor): Promise<number> {
    const o = this.modelOptions;
    const ids = new ort.Tensor(
      'int64',
      BigInt64Array.from(tokens, (t) => BigInt(t)),
      [1, tokens.length],
    );
    const out = await ready.decoder.session.run(
      { [o.decoderInputIds]: ids, [o.decoderEncoderStates]: states },
      [o.decoderLogits],
    );
    ids.dispose();
    const logits = out[o.decoderLogits];
    if (logits === undefined) {
      throw new ModelLoadError(`model "${this.modelId}": the decoder returned no "${o.decoderLogits}"`);
    }
    try {
      const vocab = logits.dims[logits.dims.length - 1] ?? 0;
      const data = logits.data as Float32Array;
      if (vocab < 1 || data.length < vocab * tokens.length) {
        throw new ModelLoadError(
          `model "${this.modelId}": decoder logits have shape [${logits.dims.join(', ')}], expected ` +
            `[1, ${tokens.length}, vocabulary]`,
        );
      }
      const row = data.length - vocab;
      let best = 0;
      let bestValue = Number.NEGATIVE_INFINITY;
      for (let v = 0; v < vocab; v++) {
        const x = data[row + v] as number;
        if (x > bestValue) {
          bestValue = x;
          best = v;
        }
      }
      return best;
    } finally {
      logits.dispose();
    }
  }
}

/**
 * Splits Whisper's output tokens (the prompt excluded, `<|endoftext|>` excluded) into segments at timestamp
 * tokens, the way Whisper writes them: `<|t0|> text <|t1|>` is one segment, and `<|t1|><|t1'|>` closes one and
 * opens the next. Text without an opening timestamp starts where the last segment ended (or at 0); text left open
 * at the end (the token limit was hit) runs to `windowSec`. Times are clamped to `[0, windowSec]`. Segments whose
 * text is only whitespace are dropped.
 */
export function parseWhisperTokens(
  tokens: readonly number[],
  tokenizer: WhisperTokenizer,
  windowSec: number,
): WhisperSegment[] {
  const clamp = (t: number): number => Math.min(windowSec, Math.max(0, t));
  const segments: WhisperSegment[] = [];
  let start: number | undefined;
  let lastTime = 0;
  let text: number[] = [];
  const close = (end: number): void => {
    const s = clamp(start ?? lastTime);
    const decoded = tokenizer.decode(text).trim();
    if (decoded !== '') segments.push({ start: s, end: Math.max(s, clamp(end)), text: decoded });
    text = [];
    start = undefined;
  };
  for (const id of tokens) {
    if (tokenizer.isTimestamp(id)) {
      const time = tokenizer.timestampSeconds(id);
      if (text.length > 0) close(time);
      else start = time;
      lastTime = time;
    } else {
      text.push(id);
    }
  }
  if (text.length > 0) close(windowSec);
  return segments;
}

/**
 * Words of `text` (split on whitespace) with times spread over `[start, end]` in proportion to each word's length
 * in characters (code points). Whisper only times segments; this is an approximation good enough to place a word
 * in its sentence, not to cut audio at word boundaries. Times are rounded to milliseconds.
 */
export function spreadWords(text: string, start: number, end: number): TranscribedWord[] {
  const parts = text.split(/\s+/).filter((w) => w !== '');
  const lengths = parts.map((w) => [...w].length);
  const total = lengths.reduce((a, b) => a + b, 0);
  const span = Math.max(0, end - start);
  const words: TranscribedWord[] = [];
  let done = 0;
  for (const [i, word] of parts.entries()) {
    const from = start + (span * done) / total;
    done += lengths[i] as number;
    words.push({ word, start: round3(from), end: round3(start + (span * done) / total) });
  }
  return words;
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    throw signal.reason instanceof Error
      ? signal.reason
      : new DetectorTimeoutError('whisper transcription aborted');
  }
}

function round1(x: number): number {
  return Math.round(x * 10) / 10;
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
