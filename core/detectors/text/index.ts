import { ModelRegistry } from '../../models/model-registry';
import type { Detector, TextContent } from '../detector';
import { withReadingOrder } from './reading-order-view';
import { createTextClassifierDetector } from './text-classifier';
import { TEXT_CLASSIFIER_MODEL_ID } from './text-classifier-options';
import { createLanguageDetector } from './text-language';
import { createPiiDetector } from './text-pii';
import { createProfanityDetector } from './text-profanity';
import { createRulesDetector } from './text-rules';
import { createSpamDetector } from './text-spam';

export { readingOrderVersion, withReadingOrder } from './reading-order-view';
export { createTextClassifierDetector, TEXT_CLASSIFIER_DETECTOR_ID } from './text-classifier';
export { createLanguageDetector, LANGUAGE_DETECTOR_ID, loadLanguageModel } from './text-language';
export { createPiiDetector, detectPii, PII_DETECTOR_ID } from './text-pii';
export { createProfanityDetector, PROFANITY_DETECTOR_ID } from './text-profanity';
export { createRulesDetector, RULES_DETECTOR_ID } from './text-rules';
export { createSpamDetector, SPAM_DETECTOR_ID } from './text-spam';

/** Options for {@link createTextDetectors}. */
export interface TextDetectorsOptions {
  /** Registry the trained classifier loads from (default: the bundled manifest's). */
  readonly registry?: ModelRegistry;
  /** The classifier emits every category's score, not only those that reach review (for evaluations). */
  readonly allScores?: boolean;
}

/**
 * The built-in text detectors, in their fixed registry order: `text-language`, `text-profanity`, `text-rules`,
 * `text-classifier`, `text-pii`, `text-spam`. Each call returns fresh instances (models themselves are shared per
 * process). A manifest without a `text-classifier` entry (a user's own) runs without the classifier. All but the
 * language detector also read text that bidi overrides reorder in the order a reader sees it
 * ({@link withReadingOrder}).
 */
export function createTextDetectors(options: TextDetectorsOptions = {}): Detector<TextContent>[] {
  const registry = options.registry ?? new ModelRegistry();
  const hasClassifier = registry.entries().some((e) => e.id === TEXT_CLASSIFIER_MODEL_ID);
  return [
    createLanguageDetector(),
    withReadingOrder(createProfanityDetector()),
    withReadingOrder(createRulesDetector()),
    ...(hasClassifier
      ? [withReadingOrder(createTextClassifierDetector({ registry, allScores: options.allScores }))]
      : []),
    withReadingOrder(createPiiDetector()),
    withReadingOrder(createSpamDetector()),
  ];
}
