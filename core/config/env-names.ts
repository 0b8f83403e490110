/**
 * Every environment variable Winnow reads, in one place, so the infrastructure that sets them and the runtime
 * that reads them cannot drift apart.
 */
export const ENV = {
  /** Directory of the local state (SQLite queue, verdicts, cache). Default `.winnow` in the working directory. */
  stateDir: 'WINNOW_STATE_DIR',
  /** Log level: debug, info, warn, error or silent. */
  logLevel: 'WINNOW_LOG_LEVEL',
  /** Path of the policy file to use instead of the bundled default. */
  policyFile: 'WINNOW_POLICY',
  /** ONNX execution provider for model inference: `cpu` (default) or `cuda` (falls back to CPU when unavailable). */
  executionProvider: 'WINNOW_EP',
  /** Path of the ffmpeg binary (default: `ffmpeg` on PATH). */
  ffmpegPath: 'FFMPEG_PATH',
  /** Path of the pocketsphinx_continuous binary (default: on PATH). */
  pocketsphinxPath: 'POCKETSPHINX_PATH',
} as const;

export type EnvName = (typeof ENV)[keyof typeof ENV];
