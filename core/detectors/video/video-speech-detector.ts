import { AUDIO_SAMPLE_RATE, decodeAudio } from '../../audio/decode-audio';
import type { Evidence, Signal } from '../../signals';
import type { AudioContent, Detector, VideoContent } from '../detector';

/** Id of the video soundtrack detector. */
export const VIDEO_SPEECH_DETECTOR_ID = 'video-speech';

/** Options for {@link createVideoSpeechDetector}. */
export interface VideoSpeechDetectorOptions {
  /** The audio speech detector (VAD, ASR, text detectors) that reads each window of the soundtrack. */
  readonly speech: Detector<AudioContent>;
  /** Seconds of soundtrack decoded and analysed at a time, which bounds memory (default 600: about 38 MB). */
  readonly windowSec?: number;
}

/**
 * The soundtrack of a video through the speech detector: decoded window by window (16 kHz mono) straight from the
 * file, with every time shifted to the video's clock. A video without an audio stream yields an informational
 * `no-audio-track` signal. Without a speech recogniser the detector is `skipped`, like the audio detector.
 */
export function createVideoSpeechDetector(options: VideoSpeechDetectorOptions): Detector<VideoContent> {
  const { speech } = options;
  const windowSec = options.windowSec ?? 600;
  return {
    id: VIDEO_SPEECH_DETECTOR_ID,
    version: '1.0.0',
    media: ['video'],
    tiers: ['heavy'],
    ...(speech.model ? { model: speech.model } : {}),
    async init() {
      await speech.init?.();
    },
    async detect(input, ctx) {
      if (!input.probe.audio) {
        return [
          {
            detector: VIDEO_SPEECH_DETECTOR_ID,
            category: null,
            label: 'no-audio-track',
            score: 1,
            evidence: [],
          },
        ];
      }
      const signals: Signal[] = [];
      for (let start = 0; start < Math.max(input.durationSec, 0.001); start += windowSec) {
        const audio = await decodeAudio(input.path, {
          startSec: start,
          maxDurationSec: windowSec,
          signal: ctx.signal,
          timeoutMs: 60_000 + windowSec * 1000,
        });
        if (audio.pcm.length === 0) break;
        const content: AudioContent = {
          kind: 'audio',
          pcm: audio.pcm,
          sampleRate: AUDIO_SAMPLE_RATE,
          durationSec: audio.durationSec,
        };
        for (const s of await speech.detect(content, ctx)) {
          signals.push({
            ...s,
            detector: VIDEO_SPEECH_DETECTOR_ID,
            evidence: s.evidence.map(
              (e): Evidence => (e.kind === 'time' ? { ...e, start: e.start + start, end: e.end + start } : e),
            ),
          });
        }
        if (!audio.truncated) break;
      }
      return signals;
    },
  };
}
