/**
 * @jest-environment ./test/helpers/onnx-environment.js
 */
import {
  PocketsphinxTranscriber,
  parsePocketsphinxOutput,
} from '../../../core/audio/pocketsphinx-transcriber';
import type { Transcriber } from '../../../core/audio/transcriber';
import {
  analyzeSpeech,
  joinSegments,
  offsetTranscription,
} from '../../../core/detectors/audio/speech-detector';

import { createLogger } from '../../../core/logging/logger';

describe('parsePocketsphinxOutput', () => {
  it('keeps words with times and drops fillers and pronunciation variants', () => {
    const out = [
      'i will hurt you',
      '<s> 0.070 0.160 0.999900',
      'i 0.170 0.300 0.971996',
      'will(2) 0.310 0.460 0.997802',
      '<sil> 0.470 0.500 1.000000',
      '[NOISE] 0.500 0.520 1.000000',
      'hurt 0.520 0.680 0.992229',
      'you 0.690 0.910 0.999800',
      '</s> 0.920 1.000 1.000000',
      '',
    ].join('\n');
    const t = parsePocketsphinxOutput(out);
    expect(t.text).toBe('i will hurt you');
    expect(t.words[1]).toEqual({ word: 'will', start: 0.31, end: 0.46 });
    expect(t.words).toHaveLength(4);
  });

  it('returns an empty transcription for empty output', () => {
    expect(parsePocketsphinxOutput('')).toEqual({ text: '', words: [] });
  });
});

describe('joinSegments and offsetTranscription', () => {
  it('maps words in a joined buffer back to item time', () => {
    const a = new Float32Array(1600).fill(0.1); // 0.1 s
    const b = new Float32Array(3200).fill(0.2); // 0.2 s
    const { joined, layout } = joinSegments([a, b], 16000);
    expect(joined.length).toBe(1600 + 16000 + 3200);
    expect(layout).toEqual([
      { offset: 0, length: 1600 },
      { offset: 17600, length: 3200 },
    ]);
    const segments = [
      { start: 2, end: 2.1 },
      { start: 5, end: 5.2 },
    ];
    const words = [
      { word: 'one', start: 0.01, end: 0.09 },
      { word: 'two', start: 1.11, end: 1.2 },
    ];
    expect(offsetTranscription(words, layout, segments)).toEqual([
      { text: 'one', words: [{ word: 'one', start: 2.01, end: 2.09 }] },
      { text: 'two', words: [{ word: 'two', start: 5.01, end: 5.1 }] },
    ]);
  });
});

describe('analyzeSpeech', () => {
  const fake = (available: boolean): Transcriber => ({
    id: 'fake',
    version: '1',
    available: async () => available,
    transcribe: async () => ({ text: 'x', words: [{ word: 'x', start: 0, end: 0.1 }] }),
  });

  it('skips ASR without a transcriber or when it is unavailable', async () => {
    const pcm = new Float32Array(16000);
    await expect(analyzeSpeech(pcm)).resolves.toEqual({ segments: [], transcript: [], asr: 'skipped' });
    await expect(analyzeSpeech(pcm, { transcriber: fake(false) })).resolves.toMatchObject({ asr: 'skipped' });
  });

  it('reports ok with no transcript when there is no speech', async () => {
    const pcm = new Float32Array(16000);
    await expect(analyzeSpeech(pcm, { transcriber: fake(true) })).resolves.toEqual({
      segments: [],
      transcript: [],
      asr: 'ok',
    });
  });
});

describe('PocketsphinxTranscriber.available', () => {
  it('is false, without throwing, when the binary is missing, and warns once', async () => {
    const lines: string[] = [];
    const logger = createLogger({ level: 'warn', sink: (l) => lines.push(l) });
    const t = new PocketsphinxTranscriber({ binary: '/nonexistent/pocketsphinx_continuous', logger });
    await expect(t.available()).resolves.toBe(false);
    await expect(t.available()).resolves.toBe(false);
    expect(lines).toHaveLength(1);
    await expect(analyzeSpeech(new Float32Array(16000), { transcriber: t })).resolves.toMatchObject({
      asr: 'skipped',
    });
  });
});
