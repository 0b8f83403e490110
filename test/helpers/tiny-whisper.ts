import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { onnx } from 'onnx-proto';
import type { Logger } from '../../core/logging/logger';
import { type ModelManifest, parseModelManifest } from '../../core/models/model-manifest';
import { ModelRegistry, sha256Hex } from '../../core/models/model-registry';

/**
 * A tiny synthetic model set with the interface of a Hugging Face optimum Whisper export, for tests:
 *
 * - encoder `input_features [B, nMels, 3000]` → Conv1D (kernel 2, stride 2, every weight 1/(2·nMels)) →
 *   Transpose → `last_hidden_state [B, 1500, 8]`: each state is the mean of a 2-frame patch of the log-mel, so
 *   the mean state is the mean log-mel (−1.5 for silence, about −0.3 for a loud tone).
 * - decoder `logits [B, T, V] = Gather(bigram, input_ids) + gate · ReduceMean(encoder_hidden_states)`: the next
 *   token is a function of the current one, except after the prompt, where the mean encoder state picks
 *   `<|0.00|>` (audio) or `<|endoftext|>` (silence). It also has an extra `present.0.encoder.key` output, as
 *   optimum decoders do, which the transcriber must not need.
 * - a byte-level `tokenizer.json` with the 256 byte tokens, three words and the Whisper special tokens, with
 *   timestamps `<|0.00|>` … `<|2.00|>`.
 *
 * After the prompt `<|startoftranscript|><|en|><|transcribe|>` (or `<|startoftranscript|>` alone) a window with
 * sound decodes to `<|0.00|> hello world<|1.00|><|1.50|> café<|2.00|><|endoftext|>`.
 */

const HIDDEN = 8;
const ENCODER_FRAMES = 3000;

/** Token ids of the tiny tokenizer. */
export const TINY = {
  hello: 256,
  world: 257,
  cafe: 258,
  endOfText: 260,
  startOfTranscript: 261,
  en: 262,
  de: 263,
  translate: 264,
  transcribe: 265,
  startOfLm: 266,
  startOfPrev: 267,
  noCaptions: 268,
  noTimestamps: 269,
  /** `<|0.00|>`; `<|k·0.02|>` is `timestamp0 + k`, up to `<|2.00|>`. */
  timestamp0: 270,
  timestamps: 101,
} as const;

const VOCAB_SIZE = TINY.timestamp0 + TINY.timestamps;
const ts = (sec: number): number => TINY.timestamp0 + Math.round(sec / 0.02);

/** GPT-2 `bytes_to_unicode`: the vocabulary character of each byte. */
function byteChars(): string[] {
  const chars: string[] = new Array(256);
  let shifted = 0;
  for (let b = 0; b < 256; b++) {
    const printable = (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
    chars[b] = printable ? String.fromCharCode(b) : String.fromCharCode(256 + shifted++);
  }
  return chars;
}

/** The byte-level form of `text` (space → `Ġ`, `é` → `Ã©`). */
export function byteLevel(text: string): string {
  const chars = byteChars();
  return [...Buffer.from(text, 'utf8')].map((b) => chars[b]).join('');
}

/** The tiny `tokenizer.json` text. */
export function tinyTokenizerJson(): string {
  const vocab: Record<string, number> = {};
  byteChars().forEach((c, b) => {
    vocab[c] = b;
  });
  vocab[byteLevel(' hello')] = TINY.hello;
  vocab[byteLevel(' world')] = TINY.world;
  vocab[byteLevel(' café')] = TINY.cafe;
  const specials: [number, string][] = [
    [TINY.endOfText, '<|endoftext|>'],
    [TINY.startOfTranscript, '<|startoftranscript|>'],
    [TINY.en, '<|en|>'],
    [TINY.de, '<|de|>'],
    [TINY.translate, '<|translate|>'],
    [TINY.transcribe, '<|transcribe|>'],
    [TINY.startOfLm, '<|startoflm|>'],
    [TINY.startOfPrev, '<|startofprev|>'],
    [TINY.noCaptions, '<|nocaptions|>'],
    [TINY.noTimestamps, '<|notimestamps|>'],
  ];
  for (let k = 0; k < TINY.timestamps; k++)
    specials.push([TINY.timestamp0 + k, `<|${(k * 0.02).toFixed(2)}|>`]);
  return JSON.stringify({
    version: '1.0',
    // Real Whisper exports mark timestamps `special: false`; the tokenizer must still treat them as control tokens.
    added_tokens: specials.map(([id, content]) => ({ id, content, special: !content.includes('.') })),
    model: { type: 'BPE', vocab, merges: [] },
    decoder: { type: 'ByteLevel' },
  });
}

const floatTensor = (name: string, dims: number[], data: Float32Array): onnx.ITensorProto => ({
  name,
  dims,
  dataType: onnx.TensorProto.DataType.FLOAT,
  rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
});

const valueInfo = (
  name: string,
  elemType: onnx.TensorProto.DataType,
  dims: (number | string)[],
): onnx.IValueInfoProto => ({
  name,
  type: {
    tensorType: {
      elemType,
      shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
    },
  },
});

const encodeModel = (graph: onnx.IGraphProto): Uint8Array =>
  onnx.ModelProto.encode(
    onnx.ModelProto.create({
      irVersion: 7,
      opsetImport: [{ domain: '', version: 13 }],
      producerName: 'winnow-tiny-whisper',
      graph,
    }),
  ).finish();

/** The tiny encoder ONNX. */
export function tinyEncoder(nMels = 80): Uint8Array {
  const weights = new Float32Array(HIDDEN * nMels * 2).fill(1 / (2 * nMels));
  const FLOAT = onnx.TensorProto.DataType.FLOAT;
  return encodeModel({
    name: 'tiny-whisper-encoder',
    node: [
      {
        opType: 'Conv',
        name: 'conv',
        input: ['input_features', 'conv.weight'],
        output: ['conv_out'],
        attribute: [
          { name: 'kernel_shape', type: onnx.AttributeProto.AttributeType.INTS, ints: [2] },
          { name: 'strides', type: onnx.AttributeProto.AttributeType.INTS, ints: [2] },
        ],
      },
      {
        opType: 'Transpose',
        name: 'transpose',
        input: ['conv_out'],
        output: ['last_hidden_state'],
        attribute: [{ name: 'perm', type: onnx.AttributeProto.AttributeType.INTS, ints: [0, 2, 1] }],
      },
    ],
    initializer: [floatTensor('conv.weight', [HIDDEN, nMels, 2], weights)],
    input: [valueInfo('input_features', FLOAT, ['batch_size', nMels, ENCODER_FRAMES])],
    output: [valueInfo('last_hidden_state', FLOAT, ['batch_size', ENCODER_FRAMES / 2, HIDDEN])],
  });
}

/** The tiny decoder ONNX (no KV cache). */
export function tinyDecoder(): Uint8Array {
  const table = new Float32Array(VOCAB_SIZE * VOCAB_SIZE).fill(-10);
  const next = (from: number, to: number): void => {
    table[from * VOCAB_SIZE + to] = 100;
  };
  // After the prompt: <|0.00|> scores 10 + 10·mean, <|endoftext|> 0, so the mean state decides (threshold −1).
  for (const promptEnd of [TINY.transcribe, TINY.translate, TINY.startOfTranscript]) {
    table[promptEnd * VOCAB_SIZE + TINY.timestamp0] = 10;
    table[promptEnd * VOCAB_SIZE + TINY.endOfText] = 0;
  }
  next(ts(0), TINY.hello);
  next(TINY.hello, TINY.world);
  next(TINY.world, ts(1));
  next(ts(1), ts(1.5));
  next(ts(1.5), TINY.cafe);
  next(TINY.cafe, ts(2));
  next(ts(2), TINY.endOfText);
  const gate = new Float32Array(VOCAB_SIZE);
  gate[TINY.timestamp0] = 10;
  const FLOAT = onnx.TensorProto.DataType.FLOAT;
  return encodeModel({
    name: 'tiny-whisper-decoder',
    node: [
      { opType: 'Gather', name: 'bigram', input: ['bigram', 'input_ids'], output: ['bigram_logits'] },
      {
        opType: 'ReduceMean',
        name: 'mean',
        input: ['encoder_hidden_states'],
        output: ['mean_state'],
        attribute: [
          { name: 'axes', type: onnx.AttributeProto.AttributeType.INTS, ints: [1, 2] },
          { name: 'keepdims', type: onnx.AttributeProto.AttributeType.INT, i: 1 },
        ],
      },
      { opType: 'Mul', name: 'gated', input: ['mean_state', 'gate'], output: ['gated'] },
      { opType: 'Add', name: 'logits', input: ['bigram_logits', 'gated'], output: ['logits'] },
      {
        opType: 'Identity',
        name: 'present',
        input: ['encoder_hidden_states'],
        output: ['present.0.encoder.key'],
      },
    ],
    initializer: [
      floatTensor('bigram', [VOCAB_SIZE, VOCAB_SIZE], table),
      floatTensor('gate', [VOCAB_SIZE], gate),
    ],
    input: [
      valueInfo('input_ids', onnx.TensorProto.DataType.INT64, ['batch_size', 'decoder_sequence_length']),
      valueInfo('encoder_hidden_states', FLOAT, ['batch_size', ENCODER_FRAMES / 2, HIDDEN]),
    ],
    output: [
      valueInfo('logits', FLOAT, ['batch_size', 'decoder_sequence_length', VOCAB_SIZE]),
      valueInfo('present.0.encoder.key', FLOAT, ['batch_size', ENCODER_FRAMES / 2, HIDDEN]),
    ],
  });
}

/** Options for {@link writeTinyWhisper}. */
export interface TinyWhisperOptions {
  /** Mel bins of the encoder (and `options.nMels` of the entry unless `options` overrides it). */
  readonly nMels?: 80 | 128;
  /** Text written as `tokenizer.json` instead of the tiny tokenizer. */
  readonly tokenizerJson?: string;
  /** Merged into the manifest entry's `options`. */
  readonly options?: Record<string, unknown>;
  /** Merged into the manifest entry (after the real hashes, so it can break them). */
  readonly entry?: Record<string, unknown>;
  readonly logger?: Logger;
}

/** A tiny Whisper set on disk with its manifest and registry. */
export interface TinyWhisper {
  readonly dir: string;
  readonly id: string;
  readonly manifest: ModelManifest;
  readonly registry: ModelRegistry;
  /** Absolute paths of the three files. */
  readonly paths: { readonly encoder: string; readonly decoder: string; readonly tokenizer: string };
  /** Deletes the folder. */
  cleanup(): void;
}

/** Writes the tiny encoder, decoder and tokenizer into a new temp folder and returns a registry over them. */
export function writeTinyWhisper(options: TinyWhisperOptions = {}): TinyWhisper {
  const dir = mkdtempSync(path.join(tmpdir(), 'winnow-tiny-whisper-'));
  const nMels = options.nMels ?? 80;
  const encoder = tinyEncoder(nMels);
  const decoder = tinyDecoder();
  const tokenizer = Buffer.from(options.tokenizerJson ?? tinyTokenizerJson(), 'utf8');
  const paths = {
    encoder: path.join(dir, 'encoder_model.onnx'),
    decoder: path.join(dir, 'decoder_model.onnx'),
    tokenizer: path.join(dir, 'tokenizer.json'),
  };
  writeFileSync(paths.encoder, encoder);
  writeFileSync(paths.decoder, decoder);
  writeFileSync(paths.tokenizer, tokenizer);
  const id = 'tiny-whisper';
  const manifest = parseModelManifest({
    schemaVersion: 1,
    models: [
      {
        id,
        version: 'tiny-whisper-1',
        task: 'speech-recognition',
        file: 'encoder_model.onnx',
        sha256: sha256Hex(encoder),
        files: {
          decoder: { file: 'decoder_model.onnx', sha256: sha256Hex(decoder) },
          tokenizer: { file: 'tokenizer.json', sha256: sha256Hex(tokenizer) },
        },
        options: { language: 'en', task: 'transcribe', nMels, ...options.options },
        source: 'winnow-test@0',
        licence: 'Apache-2.0',
        input: { name: 'input_features', shape: [-1, nMels, ENCODER_FRAMES], layout: 'NC', dtype: 'float32' },
        output: { name: 'last_hidden_state' },
        ...options.entry,
      },
    ],
  });
  const registry = new ModelRegistry({ manifest, modelDir: dir, logger: options.logger });
  return { dir, id, manifest, registry, paths, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
