import type { Detector, TextContent } from '../detector';
import { createLanguageDetector } from './text-language';
import { createPiiDetector } from './text-pii';
import { createProfanityDetector } from './text-profanity';
import { createRulesDetector } from './text-rules';
import { createSpamDetector } from './text-spam';

export { createLanguageDetector, LANGUAGE_DETECTOR_ID, loadLanguageModel } from './text-language';
export { createPiiDetector, detectPii, PII_DETECTOR_ID } from './text-pii';
export { createProfanityDetector, PROFANITY_DETECTOR_ID } from './text-profanity';
export { createRulesDetector, RULES_DETECTOR_ID } from './text-rules';
export { createSpamDetector, SPAM_DETECTOR_ID } from './text-spam';

/**
 * The built-in text detectors, in their fixed registry order: `text-language`, `text-profanity`, `text-rules`,
 * `text-pii`, `text-spam`. Each call returns fresh instances (the language model itself is shared per process).
 */
export function createTextDetectors(): Detector<TextContent>[] {
  return [
    createLanguageDetector(),
    createProfanityDetector(),
    createRulesDetector(),
    createPiiDetector(),
    createSpamDetector(),
  ];
}
