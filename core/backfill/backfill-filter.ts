import type { Tier } from '../detectors/detector';
import type { MediaKind } from '../media/media-type';
import type { ObjectInfo } from '../ports/object-store';

/** Which listed objects a backfill takes. Every given condition must hold. */
export interface BackfillFilter {
  /** Only keys starting with this. */
  readonly prefix?: string;
  /** Only keys ending with one of these (case-insensitive), e.g. `.jpg`. */
  readonly suffixes?: readonly string[];
  readonly minBytes?: number;
  readonly maxBytes?: number;
  /** Only objects last modified at or after this. */
  readonly modifiedAfter?: Date;
  /** Only objects last modified before this. */
  readonly modifiedBefore?: Date;
  /** Only these media kinds, judged from the key's extension ({@link mediaKindOfKey}). */
  readonly media?: readonly MediaKind[];
}

const EXTENSIONS: Readonly<Record<string, MediaKind>> = {
  txt: 'text',
  md: 'text',
  csv: 'text',
  json: 'text',
  html: 'text',
  jpg: 'image',
  jpeg: 'image',
  png: 'image',
  gif: 'image',
  webp: 'image',
  bmp: 'image',
  tif: 'image',
  tiff: 'image',
  avif: 'image',
  heic: 'image',
  wav: 'audio',
  mp3: 'audio',
  flac: 'audio',
  ogg: 'audio',
  oga: 'audio',
  opus: 'audio',
  m4a: 'audio',
  aac: 'audio',
  mp4: 'video',
  m4v: 'video',
  mov: 'video',
  webm: 'video',
  mkv: 'video',
  avi: 'video',
  mpg: 'video',
  mpeg: 'video',
  ts: 'video',
};

/**
 * The media kind a key's extension suggests, before any byte is read (for filtering and routing a listing; the
 * engine still sniffs the bytes). `unknown` without a known extension.
 */
export function mediaKindOfKey(key: string): MediaKind {
  const name = key.slice(key.lastIndexOf('/') + 1);
  const dot = name.lastIndexOf('.');
  if (dot <= 0) return 'unknown';
  return EXTENSIONS[name.slice(dot + 1).toLowerCase()] ?? 'unknown';
}

/** The tier that moderates a media kind first: text and images the fast tier, audio and video the heavy tier. */
export function tierForMedia(media: MediaKind): Tier {
  return media === 'audio' || media === 'video' ? 'heavy' : 'fast';
}

/** True when a listed object passes every condition of the filter. */
export function matchesFilter(obj: ObjectInfo, filter: BackfillFilter): boolean {
  if (filter.prefix !== undefined && !obj.key.startsWith(filter.prefix)) return false;
  if (filter.suffixes && filter.suffixes.length > 0) {
    const key = obj.key.toLowerCase();
    if (!filter.suffixes.some((s) => key.endsWith(s.toLowerCase()))) return false;
  }
  if (filter.minBytes !== undefined && obj.size < filter.minBytes) return false;
  if (filter.maxBytes !== undefined && obj.size > filter.maxBytes) return false;
  if (filter.modifiedAfter || filter.modifiedBefore) {
    const t = obj.lastModified?.getTime();
    if (t === undefined) return false;
    if (filter.modifiedAfter && t < filter.modifiedAfter.getTime()) return false;
    if (filter.modifiedBefore && t >= filter.modifiedBefore.getTime()) return false;
  }
  if (filter.media && filter.media.length > 0 && !filter.media.includes(mediaKindOfKey(obj.key)))
    return false;
  return true;
}
