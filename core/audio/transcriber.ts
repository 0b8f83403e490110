/** One recognised word, in seconds from the start of the PCM handed to the transcriber. */
export interface TranscribedWord {
  readonly word: string;
  readonly start: number;
  readonly end: number;
}

/** What a transcriber returns for one stretch of audio. */
export interface Transcription {
  /** The recognised words joined by single spaces (lower case for pocketsphinx). */
  readonly text: string;
  readonly words: readonly TranscribedWord[];
}

/** A speech-to-text engine. Implementations must be safe to call concurrently. */
export interface Transcriber {
  /** Stable id, e.g. `pocketsphinx`. */
  readonly id: string;
  /** Version of the engine and model; part of cache keys. */
  readonly version: string;
  /** Whether the engine can run here (binary and model present). Never throws. */
  available(): Promise<boolean>;
  /**
   * Transcribes mono PCM. Word times are seconds from the start of `pcm`.
   * Rejects when the engine fails or `signal` aborts.
   */
  transcribe(pcm: Float32Array, sampleRate: number, signal?: AbortSignal): Promise<Transcription>;
}
