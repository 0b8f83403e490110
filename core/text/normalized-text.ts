/**
 * Text after normalization, with a map from each normalized UTF-16 index back to the original text, so that a
 * match found on the normalized form is reported as a span of the original.
 */
export interface NormalizedText {
  /** The normalized text. */
  readonly text: string;
  /**
   * `offsets[i]` is the index in the original text where normalized code unit `i` came from; it has
   * `text.length + 1` entries, the last one equal to the original length, so `[offsets[s], offsets[e])` is the
   * original span of normalized span `[s, e)`.
   */
  readonly offsets: Int32Array;
}
