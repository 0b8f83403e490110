/**
 * @jest-environment ./test/helpers/onnx-environment.js
 */
import {
  detectSpeechSegments,
  hysteresisSegments,
  mergeSpeechSegments,
  speechProbabilities,
  VAD_FRAME_SAMPLES,
} from '../../../core/audio/silero-vad';

describe('Silero VAD', () => {
  it('finds no speech in silence', async () => {
    const pcm = new Float32Array(16000 * 2);
    await expect(detectSpeechSegments(pcm)).resolves.toEqual([]);
  });

  it('finds no speech in low white noise, and returns one probability per frame', async () => {
    let seed = 42;
    const pcm = new Float32Array(16000);
    for (let i = 0; i < pcm.length; i++) {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      pcm[i] = (seed / 2147483648 - 0.5) * 0.002;
    }
    const probs = await speechProbabilities(pcm);
    expect(probs.length).toBe(Math.ceil(pcm.length / VAD_FRAME_SAMPLES));
    for (const p of probs) expect(p).toBeLessThan(0.5);
    await expect(detectSpeechSegments(pcm)).resolves.toEqual([]);
  });

  it('returns nothing for empty input', async () => {
    await expect(detectSpeechSegments(new Float32Array(0))).resolves.toEqual([]);
  });
});

describe('hysteresisSegments', () => {
  it('starts at the positive threshold and ends below the negative one', () => {
    //            0    1    2    3    4    5    6    7
    const probs = [0.1, 0.6, 0.4, 0.4, 0.2, 0.45, 0.9, 0.8];
    expect(hysteresisSegments(probs, 1)).toEqual([
      { start: 1, end: 4 },
      { start: 6, end: 8 },
    ]);
  });

  it('never starts on a value between the thresholds', () => {
    expect(hysteresisSegments([0.4, 0.45, 0.49, 0.3], 1)).toEqual([]);
  });
});

describe('mergeSpeechSegments', () => {
  it('merges short gaps, drops short speech and pads within bounds', () => {
    const raw = [
      { start: 0.05, end: 0.5 },
      { start: 0.7, end: 1.0 }, // gap 0.2 < 0.3: merged with the first
      { start: 2.0, end: 2.1 }, // 0.1 s: dropped
      { start: 3.0, end: 3.95 },
    ];
    expect(mergeSpeechSegments(raw, 4)).toEqual([
      { start: 0, end: 1.1 },
      { start: 2.9, end: 4 },
    ]);
  });

  it('merges segments that overlap only after padding', () => {
    const raw = [
      { start: 1, end: 1.5 },
      { start: 1.65, end: 2.5 }, // gap 0.15 >= mergeGap 0.1, but the padded ends meet
    ];
    expect(mergeSpeechSegments(raw, 10, { mergeGapSec: 0.1 })).toEqual([{ start: 0.9, end: 2.6 }]);
  });

  it('honours custom options', () => {
    const raw = [
      { start: 1, end: 1.1 },
      { start: 5, end: 5.1 },
    ];
    expect(mergeSpeechSegments(raw, 10, { minSpeechSec: 0.05, padSec: 0, mergeGapSec: 0 })).toEqual(raw);
  });
});
