import { PocketsphinxTranscriber } from '../../audio/pocketsphinx-transcriber';
import { SILERO_VAD_MODEL } from '../../audio/silero-vad';
import type { TranscribedWord, Transcriber } from '../../audio/transcriber';
import { DetectorSkippedError } from '../../errors';
import type { Evidence, Signal } from '../../signals';
import { normalizeText } from '../../text/normalize';
import type { AudioContent, Detector, TextContent } from '../detector';
import { createTextDetectors } from '../text';
import { analyzeSpeech } from './speech-detector';

/** Id of the speech detector. */
export const AUDIO_SPEECH_DETECTOR_ID = 'audio-speech';

/** Options for {@link createAudioSpeechDetector}. */
export interface AudioSpeechDetectorOptions {
  /** Speech-to-text engine (default: Debian pocketsphinx, en-us). */
  readonly transcriber?: Transcriber;
  /** Detectors run on each transcript (default: the built-in text detectors). */
  readonly textDetectors?: readonly Detector<TextContent>[];
}

/**
 * Speech in audio: Silero VAD finds speech, the transcriber turns it into words with times, and the text detectors
 * check each segment's transcript. Every text signal is re-emitted with the time range of the words it matched
 * (and the transcript excerpt as a note), so verdicts carry a timeline. Without a transcriber the detector is
 * `skipped`, with the reason, rather than failing.
 */
export function createAudioSpeechDetector(options: AudioSpeechDetectorOptions = {}): Detector<AudioContent> {
  const transcriber = options.transcriber ?? new PocketsphinxTranscriber();
  const textDetectors =
    options.textDetectors ?? createTextDetectors().filter((d) => d.id !== 'text-language');
  return {
    id: AUDIO_SPEECH_DETECTOR_ID,
    version: '1.0.0',
    media: ['audio'],
    tiers: ['heavy'],
    model: {
      id: `${SILERO_VAD_MODEL.id}+${transcriber.id}`,
      version: `${SILERO_VAD_MODEL.version}+${transcriber.version}`,
    },
    async init() {
      await Promise.all(textDetectors.map((d) => d.init?.()));
    },
    async detect(input, ctx) {
      const analysis = await analyzeSpeech(input.pcm, {
        transcriber,
        signal: ctx.signal,
        logger: ctx.logger,
      });
      if (analysis.asr === 'skipped') {
        throw new DetectorSkippedError(
          `no speech recogniser available (${transcriber.id}); install it to check speech`,
        );
      }
      if (analysis.asr === 'failed') throw new Error(`speech recognition failed (${transcriber.id})`);
      const signals: Signal[] = analysis.segments.map((seg) => ({
        detector: AUDIO_SPEECH_DETECTOR_ID,
        category: null,
        label: 'speech',
        score: 1,
        evidence: [{ kind: 'time', start: seg.start, end: seg.end }],
      }));
      for (const t of analysis.transcript) {
        if (t.words.length === 0) continue;
        const { text, offsets } = layoutWords(t.words);
        const content: TextContent = {
          kind: 'text',
          text,
          normalized: normalizeText(text),
          invalidEncoding: false,
        };
        for (const d of textDetectors) {
          for (const s of await d.detect(content, ctx)) {
            if (s.category === null) continue;
            const times = s.evidence.flatMap((e): Evidence[] => {
              if (e.kind !== 'span') return [];
              const range = timeOfSpan(t.words, offsets, e.start, e.end);
              return range ? [{ kind: 'time', ...range, ...(e.rule ? { rule: e.rule } : {}) }] : [];
            });
            signals.push({
              detector: AUDIO_SPEECH_DETECTOR_ID,
              category: s.category,
              label: `transcript:${s.label}`,
              score: s.score,
              evidence: [...times, { kind: 'note', text: `transcript: ${text}` }],
            });
          }
        }
      }
      return signals;
    },
  };
}

/** Joins words with single spaces and records where each word starts in the joined text. */
function layoutWords(words: readonly TranscribedWord[]): { text: string; offsets: number[] } {
  const offsets: number[] = [];
  let text = '';
  for (const w of words) {
    if (text) text += ' ';
    offsets.push(text.length);
    text += w.word;
  }
  return { text, offsets };
}

/** The time range of the words a text span touches. */
function timeOfSpan(
  words: readonly TranscribedWord[],
  offsets: readonly number[],
  start: number,
  end: number,
): { start: number; end: number } | undefined {
  let first: TranscribedWord | undefined;
  let last: TranscribedWord | undefined;
  words.forEach((w, i) => {
    const from = offsets[i] ?? 0;
    const to = from + w.word.length;
    if (from < end && to > start) {
      first ??= w;
      last = w;
    }
  });
  return first && last ? { start: first.start, end: last.end } : undefined;
}
