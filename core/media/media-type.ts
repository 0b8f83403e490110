/** The broad kind of an item, which decides which detectors and tier handle it. */
export type MediaKind = 'text' | 'image' | 'audio' | 'video' | 'unknown';

/** Concrete container formats recognised by magic bytes. */
export type MediaFormat =
  | 'utf-8'
  | 'utf-16le'
  | 'utf-16be'
  | 'jpeg'
  | 'png'
  | 'webp'
  | 'gif'
  | 'avif'
  | 'heic'
  | 'tiff'
  | 'mp4'
  | 'mov'
  | 'webm'
  | 'mkv'
  | 'wav'
  | 'mp3'
  | 'ogg'
  | 'flac'
  | 'm4a'
  | 'hls'
  | 'unknown';

/** What sniffing learned about an item's bytes. */
export interface MediaInfo {
  readonly kind: MediaKind;
  readonly format: MediaFormat;
  /** IANA media type, e.g. `image/png`. */
  readonly mime: string;
}
