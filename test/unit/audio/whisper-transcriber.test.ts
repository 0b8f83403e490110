/**
 * @jest-environment ./test/helpers/onnx-environment.js
 */
import { rmSync } from 'node:fs';
import { WhisperTokenizer } from '../../../core/audio/whisper/whisper-tokenizer';
import {
  parseWhisperTokens,
  spreadWords,
  WhisperTranscriber,
} from '../../../core/audio/whisper/whisper-transcriber';
import { ModelLoadError } from '../../../core/errors';
import { createLogger } from '../../../core/logging/logger';
import { ModelRegistry } from '../../../core/models/model-registry';
import { TINY, type TinyWhisper, tinyTokenizerJson, writeTinyWhisper } from '../../helpers/tiny-whisper';

const SR = 16000;

/** `seconds` of PCM with a 440 Hz tone wherever `sound(t)` is true, silence elsewhere. */
function pcmOf(seconds: number, sound: (t: number) => boolean = () => true): Float32Array {
  const pcm = new Float32Array(Math.round(seconds * SR));
  for (let i = 0; i < pcm.length; i++) {
    if (sound(i / SR)) pcm[i] = 0.5 * Math.sin((2 * Math.PI * 440 * i) / SR);
  }
  return pcm;
}

const HELLO_WORLD_CAFE = [
  { word: 'hello', start: 0, end: 0.5 },
  { word: 'world', start: 0.5, end: 1 },
  { word: 'café', start: 1.5, end: 2 },
];

describe('parseWhisperTokens and spreadWords', () => {
  const tok = new WhisperTokenizer(tinyTokenizerJson());
  const ts = (sec: number): number => TINY.timestamp0 + Math.round(sec / 0.02);

  it('splits at timestamp pairs and handles open and unopened segments', () => {
    expect(
      parseWhisperTokens([ts(0), TINY.hello, TINY.world, ts(1), ts(1.5), TINY.cafe, ts(2)], tok, 30),
    ).toEqual([
      { start: 0, end: 1, text: 'hello world' },
      { start: 1.5, end: 2, text: 'café' },
    ]);
    // No opening timestamp: starts where the last one was; no closing one: runs to the window end.
    expect(parseWhisperTokens([ts(0.5), TINY.hello, ts(1), TINY.world], tok, 4)).toEqual([
      { start: 0.5, end: 1, text: 'hello' },
      { start: 1, end: 4, text: 'world' },
    ]);
    // Times past the audio are clamped to it; whitespace-only text is dropped.
    expect(parseWhisperTokens([ts(1.5), TINY.cafe, ts(2), ts(2), 0x20, ts(2)], tok, 1.8)).toEqual([
      { start: 1.5, end: 1.8, text: 'café' },
    ]);
    expect(parseWhisperTokens([], tok, 30)).toEqual([]);
  });

  it('spreads words over the segment in proportion to their length', () => {
    expect(spreadWords(' a bbb', 1, 2)).toEqual([
      { word: 'a', start: 1, end: 1.25 },
      { word: 'bbb', start: 1.25, end: 2 },
    ]);
    expect(spreadWords('  ', 0, 1)).toEqual([]);
    expect(spreadWords('one', 3, 3)).toEqual([{ word: 'one', start: 3, end: 3 }]);
  });
});

describe('WhisperTranscriber on a tiny synthetic Whisper', () => {
  const made: TinyWhisper[] = [];
  const make = (...args: Parameters<typeof writeTinyWhisper>): TinyWhisper => {
    const t = writeTinyWhisper(...args);
    made.push(t);
    return t;
  };

  afterAll(async () => {
    await ModelRegistry.releaseAll();
    for (const t of made) t.cleanup();
  });

  it('transcribes with segment times spread over the words', async () => {
    const t = make();
    const asr = new WhisperTranscriber(t.registry, t.id);
    expect(asr.id).toBe('whisper-onnx:tiny-whisper');
    expect(asr.version).toBe('tiny-whisper-1');
    expect(asr.modelOptions).toMatchObject({ language: 'en', task: 'transcribe', nMels: 80, maxTokens: 224 });
    await expect(asr.available()).resolves.toBe(true);
    const result = await asr.transcribe(pcmOf(5), SR);
    expect(result).toEqual({ text: 'hello world café', words: HELLO_WORLD_CAFE });
  });

  it('returns nothing for silence and for empty audio', async () => {
    const t = make();
    const asr = new WhisperTranscriber(t.registry, t.id);
    await expect(
      asr.transcribe(
        pcmOf(3, () => false),
        SR,
      ),
    ).resolves.toEqual({ text: '', words: [] });
    await expect(asr.transcribe(new Float32Array(0), SR)).resolves.toEqual({ text: '', words: [] });
  });

  it('cuts audio over 30 s into windows and offsets their times', async () => {
    const t = make();
    const lines: string[] = [];
    const logger = createLogger({ level: 'debug', sink: (l) => lines.push(l) });
    const asr = new WhisperTranscriber(t.registry, t.id, { logger });
    // Sound in the first and third windows only; the second is silent.
    const result = await asr.transcribe(
      pcmOf(65, (s) => s < 3 || s >= 60),
      SR,
    );
    const shifted = (by: number) =>
      HELLO_WORLD_CAFE.map((w) => ({ ...w, start: w.start + by, end: w.end + by }));
    expect(result.words).toEqual([...shifted(0), ...shifted(60)]);
    expect(result.text).toBe('hello world café hello world café');
    const windows = lines.map((l) => JSON.parse(l)).filter((l) => l.msg === 'whisper window');
    expect(windows.map((w) => [w.seconds, w.tokens])).toEqual([
      [30, 7],
      [30, 0],
      [5, 7],
    ]);
  });

  it('stops at maxTokens and lets the open segment run to the end of the audio', async () => {
    const t = make({ options: { maxTokens: 3 } });
    const asr = new WhisperTranscriber(t.registry, t.id);
    await expect(asr.transcribe(pcmOf(5), SR)).resolves.toEqual({
      text: 'hello world',
      words: [
        { word: 'hello', start: 0, end: 2.5 },
        { word: 'world', start: 2.5, end: 5 },
      ],
    });
  });

  it('clamps segment times to short audio', async () => {
    const t = make();
    const asr = new WhisperTranscriber(t.registry, t.id);
    const result = await asr.transcribe(pcmOf(1.2), SR);
    expect(result.words).toEqual([
      { word: 'hello', start: 0, end: 0.5 },
      { word: 'world', start: 0.5, end: 1 },
      { word: 'café', start: 1.2, end: 1.2 },
    ]);
  });

  it('supports English-only prompts, translate and 128 mel bins', async () => {
    const promptOf = async (t: TinyWhisper): Promise<number[]> => {
      const lines: string[] = [];
      const logger = createLogger({ level: 'debug', sink: (l) => lines.push(l) });
      const asr = new WhisperTranscriber(t.registry, t.id, { logger });
      await expect(asr.transcribe(pcmOf(3), SR)).resolves.toMatchObject({ text: 'hello world café' });
      return lines.map((l) => JSON.parse(l)).find((l) => l.msg === 'whisper model ready')?.prompt;
    };
    expect(await promptOf(make())).toEqual([TINY.startOfTranscript, TINY.en, TINY.transcribe]);
    expect(await promptOf(make({ options: { task: 'translate' } }))).toEqual([
      TINY.startOfTranscript,
      TINY.en,
      TINY.translate,
    ]);
    expect(await promptOf(make({ options: { multilingual: false } }))).toEqual([TINY.startOfTranscript]);
    // Unset, it follows the vocabulary size: 51 864 tokens is an English-only *.en checkpoint.
    const english = JSON.parse(tinyTokenizerJson());
    english.added_tokens.push({ id: 51_863, content: '<|unused|>', special: true });
    const enOnly = make({ tokenizerJson: JSON.stringify(english), options: { language: 'xx' } });
    expect(await promptOf(enOnly)).toEqual([TINY.startOfTranscript]);

    const t = make({ nMels: 128 });
    await expect(new WhisperTranscriber(t.registry, t.id).transcribe(pcmOf(3), SR)).resolves.toMatchObject({
      text: 'hello world café',
    });
  });

  it('honours an abort signal before and between decode steps', async () => {
    const t = make();
    const asr = new WhisperTranscriber(t.registry, t.id);
    const controller = new AbortController();
    controller.abort(new Error('stop now'));
    await expect(asr.transcribe(pcmOf(3), SR, controller.signal)).rejects.toThrow('stop now');

    // A signal that turns aborted after a few checks: the decode loop must notice it mid-window.
    let checks = 0;
    const reason = new Error('aborted mid-decode');
    const flaky = {
      get aborted() {
        checks++;
        return checks > 4;
      },
      reason,
    } as unknown as AbortSignal;
    await expect(asr.transcribe(pcmOf(3), SR, flaky)).rejects.toThrow('aborted mid-decode');
    expect(checks).toBe(5);
  });

  it('is not available, and logs once, when the decoder file is missing', async () => {
    const t = make();
    rmSync(t.paths.decoder);
    const lines: string[] = [];
    const logger = createLogger({ level: 'warn', sink: (l) => lines.push(l) });
    const asr = new WhisperTranscriber(t.registry, t.id, { logger });
    await expect(asr.available()).resolves.toBe(false);
    await expect(asr.available()).resolves.toBe(false);
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] as string)).toMatchObject({
      level: 'warn',
      model: 'tiny-whisper',
      error: { name: 'ModelLoadError', message: expect.stringContaining('file is missing') },
    });
    await expect(asr.transcribe(pcmOf(1), SR)).rejects.toThrow(ModelLoadError);
  });

  it('fails with ModelLoadError on a SHA-256 mismatch', async () => {
    const t = make({
      entry: {
        files: {
          decoder: { file: 'decoder_model.onnx', sha256: '0'.repeat(64) },
          tokenizer: { file: 'tokenizer.json', sha256: '1'.repeat(64) },
        },
      },
    });
    const asr = new WhisperTranscriber(t.registry, t.id);
    await expect(asr.available()).resolves.toBe(false);
    await expect(asr.transcribe(pcmOf(1), SR)).rejects.toThrow(/SHA-256 mismatch/);
    await expect(asr.transcribe(pcmOf(1), SR)).rejects.toThrow(ModelLoadError);
  });

  it('fails with ModelLoadError on a malformed tokenizer or a language it lacks', async () => {
    for (const [args, message] of [
      [{ tokenizerJson: '{"model": {"vocab": []}}' }, /tokenizer .*tokenizer\.json has no model\.vocab/],
      [{ tokenizerJson: '{"model": {"vocab": {"a": 0}}}' }, /has no <\|notimestamps\|> token/],
      [{ options: { language: 'fr' } }, /no <\|fr\|> token/],
    ] as const) {
      const t = make(args);
      const asr = new WhisperTranscriber(t.registry, t.id);
      await expect(asr.available()).resolves.toBe(false);
      const failure = asr.transcribe(pcmOf(1), SR);
      await expect(failure).rejects.toThrow(ModelLoadError);
      await expect(failure).rejects.toThrow(message);
    }
  });

  it('rejects bad options, tasks, files and tensor names when constructed', () => {
    const cases: [Parameters<typeof writeTinyWhisper>[0], RegExp][] = [
      [{ options: { nMels: 81 } }, /invalid Whisper options: options\.nMels/],
      [{ options: { maxTokens: 1000 } }, /options\.maxTokens/],
      [{ options: { langauge: 'en' } }, /langauge/],
      [{ options: { task: 'summarise' } }, /options\.task/],
      [{ entry: { task: 'text-recognition' } }, /needs task speech-recognition/],
      [
        { entry: { files: { decoder: { file: 'decoder_model.onnx', sha256: '0'.repeat(64) } } } },
        /needs files\.tokenizer/,
      ],
      [{ options: { encoderInput: 'mel' } }, /must be the encoder's \("mel", "last_hidden_state"\)/],
    ];
    for (const [args, message] of cases) {
      const t = make(args);
      expect(() => new WhisperTranscriber(t.registry, t.id)).toThrow(ModelLoadError);
      expect(() => new WhisperTranscriber(t.registry, t.id)).toThrow(message);
    }
    const t = make();
    expect(() => new WhisperTranscriber(t.registry, 'nope')).toThrow(ModelLoadError);
  });

  it('names a missing decoder tensor', async () => {
    const t = make({ options: { decoderLogits: 'scores' } });
    const asr = new WhisperTranscriber(t.registry, t.id);
    await expect(asr.transcribe(pcmOf(1), SR)).rejects.toThrow(/decoder.*no output "scores"/);
  });

  it('rejects PCM that is not 16 kHz', async () => {
    const t = make();
    const asr = new WhisperTranscriber(t.registry, t.id);
    await expect(asr.transcribe(pcmOf(1), 8000)).rejects.toThrow(RangeError);
  });
});
