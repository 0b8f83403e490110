import { AUDIO_SAMPLE_RATE } from '../../audio/decode-audio';
import type { SpeechSegment, VadOptions } from '../../audio/silero-vad';
import { detectSpeechSegments } from '../../audio/silero-vad';
import type { TranscribedWord, Transcriber, Transcription } from '../../audio/transcriber';
import type { Logger } from '../../logging/logger';
import { silentLogger } from '../../logging/logger';

/** Options for {@link analyzeSpeech}. */
export interface AnalyzeSpeechOptions {
  /** Speech-to-text engine; without one (or when it is not available) `asr` is `skipped`. */
  readonly transcriber?: Transcriber;
  /** VAD tuning. */
  readonly vad?: VadOptions;
  /**
   * `joined` (default): all speech segments go to the transcriber in one call, separated by silence, so a
   * process-per-call engine like pocketsphinx loads its model once per item. `per-segment`: one call each.
   */
  readonly asrMode?: 'joined' | 'per-segment';
  /** Transcribe at most this many seconds of speech (default 600); later segments get an empty transcript. */
  readonly maxAsrSec?: number;
  readonly signal?: AbortSignal;
  readonly logger?: Logger;
}

/** What {@link analyzeSpeech} finds. `transcript[i]` belongs to `segments[i]`; word times are item seconds. */
export interface SpeechAnalysis {
  readonly segments: SpeechSegment[];
  readonly transcript: Transcription[];
  /** `skipped`: no transcriber available; `failed`: it threw (segments are still valid). */
  readonly asr: 'ok' | 'skipped' | 'failed';
}

/** Silence placed between segments in `joined` mode. */
const JOIN_GAP_SEC = 1;

/**
 * Finds speech in 16 kHz mono PCM with Silero VAD and transcribes each speech segment. Word times are offset by
 * the segment start, so they are seconds from the start of `pcm`. A transcriber failure does not throw; an
 * abort through `signal` does.
 */
export async function analyzeSpeech(
  pcm: Float32Array,
  options: AnalyzeSpeechOptions = {},
): Promise<SpeechAnalysis> {
  const logger = options.logger ?? silentLogger;
  const segments = await detectSpeechSegments(pcm, { ...options.vad, signal: options.signal });
  const empty = (): Transcription[] => segments.map(() => ({ text: '', words: [] }));
  const transcriber = options.transcriber;
  if (transcriber === undefined || !(await transcriber.available())) {
    return { segments, transcript: empty(), asr: 'skipped' };
  }
  if (segments.length === 0) return { segments, transcript: [], asr: 'ok' };

  const limit = options.maxAsrSec ?? 600;
  const chosen: { index: number; pcm: Float32Array; segment: SpeechSegment }[] = [];
  let total = 0;
  for (const [index, segment] of segments.entries()) {
    const len = segment.end - segment.start;
    if (total + len > limit) break;
    total += len;
    const from = Math.floor(segment.start * AUDIO_SAMPLE_RATE);
    const to = Math.min(pcm.length, Math.ceil(segment.end * AUDIO_SAMPLE_RATE));
    chosen.push({ index, segment, pcm: pcm.subarray(from, to) });
  }

  const transcript = empty();
  try {
    if (options.asrMode === 'per-segment') {
      for (const c of chosen) {
        const t = await transcriber.transcribe(c.pcm, AUDIO_SAMPLE_RATE, options.signal);
        transcript[c.index] = offsetTranscription(
          t.words,
          [{ offset: 0, length: c.pcm.length }],
          [c.segment],
        )[0] ?? {
          text: '',
          words: [],
        };
      }
    } else {
      const { joined, layout } = joinSegments(
        chosen.map((c) => c.pcm),
        Math.round(JOIN_GAP_SEC * AUDIO_SAMPLE_RATE),
      );
      const t = await transcriber.transcribe(joined, AUDIO_SAMPLE_RATE, options.signal);
      const mapped = offsetTranscription(
        t.words,
        layout,
        chosen.map((c) => c.segment),
      );
      for (const [i, c] of chosen.entries()) transcript[c.index] = mapped[i] ?? { text: '', words: [] };
    }
  } catch (err) {
    if (options.signal?.aborted) throw err;
    logger.warn('speech transcription failed', { transcriber: transcriber.id, err });
    return { segments, transcript: empty(), asr: 'failed' };
  }
  return { segments, transcript, asr: 'ok' };
}

/** Where each piece sits inside a joined buffer, in samples. */
export interface JoinLayout {
  readonly offset: number;
  readonly length: number;
}

/** Concatenates PCM pieces with `gapSamples` of silence between them. Pure. */
export function joinSegments(
  pieces: readonly Float32Array[],
  gapSamples: number,
): { joined: Float32Array; layout: JoinLayout[] } {
  const total = pieces.reduce((n, p) => n + p.length, 0) + gapSamples * Math.max(0, pieces.length - 1);
  const joined = new Float32Array(total);
  const layout: JoinLayout[] = [];
  let offset = 0;
  for (const piece of pieces) {
    joined.set(piece, offset);
    layout.push({ offset, length: piece.length });
    offset += piece.length + gapSamples;
  }
  return { joined, layout };
}

/**
 * Assigns words timed in a joined buffer to the piece their midpoint falls in (or the nearest piece) and shifts
 * them to item time (`segment.start` plus the time inside the piece, clamped to the segment). Pure.
 */
export function offsetTranscription(
  words: readonly TranscribedWord[],
  layout: readonly JoinLayout[],
  segments: readonly SpeechSegment[],
  sampleRate: number = AUDIO_SAMPLE_RATE,
): Transcription[] {
  const buckets: TranscribedWord[][] = layout.map(() => []);
  for (const w of words) {
    const mid = ((w.start + w.end) / 2) * sampleRate;
    let best = 0;
    let bestDist = Number.POSITIVE_INFINITY;
    for (const [i, piece] of layout.entries()) {
      const dist =
        mid < piece.offset
          ? piece.offset - mid
          : mid > piece.offset + piece.length
            ? mid - piece.offset - piece.length
            : 0;
      if (dist < bestDist) {
        best = i;
        bestDist = dist;
      }
    }
    const piece = layout[best];
    const segment = segments[best];
    if (piece === undefined || segment === undefined) continue;
    const shift = (t: number): number =>
      round3(Math.min(segment.end, Math.max(segment.start, segment.start + t - piece.offset / sampleRate)));
    buckets[best]?.push({ word: w.word, start: shift(w.start), end: shift(w.end) });
  }
  return buckets.map((ws) => ({ text: ws.map((w) => w.word).join(' '), words: ws }));
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
