import type { Logger } from '../logging/logger';
import type { ModelRegistry } from '../models/model-registry';
import { PocketsphinxTranscriber } from './pocketsphinx-transcriber';
import type { Transcriber } from './transcriber';
import { WhisperTranscriber } from './whisper/whisper-transcriber';

/** Options for {@link selectTranscriber}. */
export interface SelectTranscriberOptions {
  /** Handed to the chosen transcriber (its one "not available" warning goes here). */
  readonly logger?: Logger;
}

/**
 * The speech-to-text engine for this installation: a {@link WhisperTranscriber} for the first manifest entry with
 * task `speech-recognition`, otherwise the {@link PocketsphinxTranscriber}. Reads no model file; a Whisper entry
 * with invalid options throws `ModelLoadError` here, so a broken manifest fails at start-up rather than per item.
 */
export function selectTranscriber(
  registry: ModelRegistry,
  options: SelectTranscriberOptions = {},
): Transcriber {
  const whisper = registry.entries().find((e) => e.task === 'speech-recognition');
  if (whisper !== undefined) return new WhisperTranscriber(registry, whisper.id, { logger: options.logger });
  return new PocketsphinxTranscriber({ logger: options.logger });
}
