import { selectTranscriber } from '../audio/select-transcriber';
import type { BankMatcher } from '../banks/bank-matcher';
import { ModelRegistry } from '../models/model-registry';
import { OcrEngine } from '../ocr/ocr-engine';
import { createAudioSpeechDetector } from './audio/audio-speech-detector';
import type { Detector } from './detector';
import { createHashMatchDetectors } from './hash/hash-match-detector';
import { createImageClassifierDetector } from './image/image-classifier-detector';
import { createImageOcrDetector } from './image/image-ocr-detector';
import { createTextDetectors } from './text';
import { createVideoFramesDetector } from './video/video-frames-detector';
import { createVideoSpeechDetector } from './video/video-speech-detector';

/** Models behind the built-in image detectors (ids in `models/manifest.json`). */
export const FAST_IMAGE_MODEL = 'nsfw-mobilenet-v2-mid';
export const HEAVY_IMAGE_MODEL = 'nsfw-inception-v3';

/** Options for {@link createDefaultDetectors}. */
export interface DefaultDetectorsOptions {
  /** Hash banks images and videos are matched against; without them the `hash-match` detectors find nothing. */
  readonly banks?: BankMatcher;
  /** The text classifier emits every category's score, however low: for evaluations, which rank items by score. */
  readonly allTextScores?: boolean;
}

/**
 * The built-in detectors in registry order, which is also the order their signals appear in verdicts. New media
 * detectors are appended here.
 */
export function createDefaultDetectors(
  registry: ModelRegistry = new ModelRegistry(),
  options: DefaultDetectorsOptions = {},
): Detector[] {
  const text = createTextDetectors({ registry, allScores: options.allTextScores });
  // Transcripts and OCR text go through the same text detector instances, so their lexicons are compiled once.
  const textForDerived = text.filter((d) => d.id !== 'text-language');
  // A Whisper export in the manifest replaces pocketsphinx.
  const speech = createAudioSpeechDetector({
    textDetectors: textForDerived,
    transcriber: selectTranscriber(registry),
  });
  const ocr = new OcrEngine(registry);
  return [
    ...text,
    createImageClassifierDetector({ registry, modelId: FAST_IMAGE_MODEL, id: 'image-nsfw', tiers: ['fast'] }),
    createImageClassifierDetector({
      registry,
      modelId: HEAVY_IMAGE_MODEL,
      id: 'image-nsfw-heavy',
      tiers: ['heavy'],
    }),
    createImageOcrDetector({ registry, textDetectors: textForDerived, engine: ocr }),
    speech,
    createVideoFramesDetector({
      registry,
      fastModelId: FAST_IMAGE_MODEL,
      heavyModelId: HEAVY_IMAGE_MODEL,
      textDetectors: textForDerived,
      ocr,
    }),
    createVideoSpeechDetector({ speech }),
    ...createHashMatchDetectors({ banks: options.banks }),
  ] as Detector[];
}
