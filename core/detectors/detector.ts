import type { MediaProbe } from '../ffmpeg/probe-media';
import type { DecodedImage } from '../image/decode-image';
import type { Logger } from '../logging/logger';
import type { MediaKind } from '../media/media-type';
import type { Policy } from '../policy/policy';
import type { Signal } from '../signals';
import type { NormalizedText } from '../text/normalized-text';
import type { FrameSampling } from '../video/sample-frames';

/** Which processing tier a verdict was made in. */
export type Tier = 'fast' | 'heavy';

/** Decoded text handed to text detectors. */
export interface TextContent {
  readonly kind: 'text';
  /** The decoded text, with invalid bytes replaced by U+FFFD. Evidence spans index into this string. */
  readonly text: string;
  /** The text after NFKC, zero-width removal, confusable and leetspeak folding, with an offset map back. */
  readonly normalized: NormalizedText;
  /** True when the bytes were not valid in their encoding. */
  readonly invalidEncoding: boolean;
}

/** Decoded audio handed to audio detectors: 16 kHz mono float32 PCM. */
export interface AudioContent {
  readonly kind: 'audio';
  readonly pcm: Float32Array;
  readonly sampleRate: number;
  readonly durationSec: number;
}

/** A decoded image handed to image detectors: RGB frames (one for stills, a sample for animations). */
export interface ImageContent {
  readonly kind: 'image';
  readonly image: DecodedImage;
  /**
   * The file's bytes as read, for detectors that must decode them their own way (PDQ hashes the unrotated,
   * uncomposited pixels that `image` does not keep). Absent when the caller only had pixels.
   */
  readonly bytes?: Buffer;
  /** Hex SHA-256 of the file's bytes, when the caller computed it. */
  readonly sha256?: string;
}

/** A video file on local disk, probed, with the policy's sampling settings. Detectors stream from `path`. */
export interface VideoContent {
  readonly kind: 'video';
  /** A local file (the item itself, or a private spooled copy) that stays until every detector has finished. */
  readonly path: string;
  readonly probe: MediaProbe;
  readonly durationSec: number;
  readonly settings: VideoSettings;
  /** Hex SHA-256 of the file's bytes, when the caller computed it. */
  readonly sha256?: string;
}

/** How the heavy tier reads a video, from the policy's `video` section. */
export interface VideoSettings {
  readonly sampling: FrameSampling;
  readonly ocr: 'keyframes' | 'all' | 'off';
  readonly frameModel: 'fast' | 'heavy';
}

/** What a detector receives. */
export type DetectorInput = TextContent | AudioContent | ImageContent | VideoContent;

/** Per-call context for a detector. */
export interface DetectorContext {
  /** Aborted when the detector's time budget is spent or the run is stopping. */
  readonly signal: AbortSignal;
  /** Logger already bound to item and job ids. Never log content. */
  readonly logger: Logger;
  /** The policy the item is moderated under, for detectors with settings of their own in it. */
  readonly policy?: Policy;
  /** Records a note on the detector's run in the verdict (why it found nothing to look at, for instance). */
  readonly note?: (text: string) => void;
}

/** Identity of a model behind a detector, recorded in every verdict. */
export interface ModelRef {
  readonly id: string;
  readonly version: string;
}

/**
 * A detector plugin. Detectors are independent: the pipeline runs the ones that apply concurrently, isolates
 * failures and merges their signals in a fixed order (the order of the registry).
 */
export interface Detector<I extends DetectorInput = DetectorInput> {
  /** Stable id, e.g. `text-pii`. */
  readonly id: string;
  /** Version of the detector's rules or code; part of the content-cache key. */
  readonly version: string;
  /** Media kinds this detector accepts. */
  readonly media: readonly MediaKind[];
  /** Tiers this detector runs in. */
  readonly tiers: readonly Tier[];
  /** The model behind it, when there is one. */
  readonly model?: ModelRef;
  /**
   * The version of data the detector matches against that changes without a new detector version (hash bank
   * versions, say), or `undefined` when it has none. Asked once per item before the content-cache lookup and made
   * part of the cache key, so a cached result never outlives the data it was computed from.
   */
  dataVersion?(): Promise<string | undefined>;
  /** Loads models or data once per process. Called before the first `detect`; may be called again after failure. */
  init?(): Promise<void>;
  /** Inspects one input and returns its signals (possibly none). */
  detect(input: I, ctx: DetectorContext): Promise<readonly Signal[]> | readonly Signal[];
}
