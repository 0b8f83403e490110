import { createAudioSpeechDetector } from './audio/audio-speech-detector';
import type { Detector } from './detector';
import { createTextDetectors } from './text';

/**
 * The built-in detectors in registry order, which is also the order their signals appear in verdicts. New media
 * detectors (image, OCR, video, hashes) are appended here.
 */
export function createDefaultDetectors(): Detector[] {
  return [...createTextDetectors(), createAudioSpeechDetector()] as Detector[];
}
