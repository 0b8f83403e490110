import type { MediaFormat, MediaInfo, MediaKind } from './media-type';

/** How many leading bytes {@link sniffMedia} looks at. Callers should pass at least this many when available. */
export const SNIFF_BYTES = 4096;

const UNKNOWN: MediaInfo = { kind: 'unknown', format: 'unknown', mime: 'application/octet-stream' };

function info(kind: MediaKind, format: MediaFormat, mime: string): MediaInfo {
  return { kind, format, mime };
}

function startsWith(b: Uint8Array, sig: readonly number[], offset = 0): boolean {
  if (b.length < offset + sig.length) return false;
  for (let i = 0; i < sig.length; i++) if (b[offset + i] !== sig[i]) return false;
  return true;
}

function ascii(b: Uint8Array, offset: number, length: number): string {
  return String.fromCharCode(...b.subarray(offset, offset + length));
}

/**
 * Identifies an item's media from its leading bytes, never from its name. Binary signatures are checked first;
 * anything else is text only if it looks like text (see {@link looksLikeText}), otherwise `unknown`.
 */
export function sniffMedia(head: Uint8Array): MediaInfo {
  if (head.length === 0) return UNKNOWN;
  return sniffBinary(head) ?? sniffPlaylist(head) ?? sniffText(head) ?? UNKNOWN;
}

/**
 * HLS playlists are text, but they stand for video and only point at other files or URLs: recognised so they get
 * an explicit `unsupported-media` verdict instead of being read as harmless text.
 */
function sniffPlaylist(b: Uint8Array): MediaInfo | undefined {
  const start = startsWith(b, [0xef, 0xbb, 0xbf]) ? 3 : 0;
  return ascii(b, start, 7) === '#EXTM3U' ? info('video', 'hls', 'application/vnd.apple.mpegurl') : undefined;
}

function sniffBinary(b: Uint8Array): MediaInfo | undefined {
  if (startsWith(b, [0xff, 0xd8, 0xff])) return info('image', 'jpeg', 'image/jpeg');
  if (startsWith(b, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))
    return info('image', 'png', 'image/png');
  if (startsWith(b, [0x47, 0x49, 0x46, 0x38]) && (b[4] === 0x37 || b[4] === 0x39) && b[5] === 0x61) {
    return info('image', 'gif', 'image/gif');
  }
  if (startsWith(b, [0x49, 0x49, 0x2a, 0x00]) || startsWith(b, [0x4d, 0x4d, 0x00, 0x2a])) {
    return info('image', 'tiff', 'image/tiff');
  }
  if (ascii(b, 0, 4) === 'RIFF' && b.length >= 12) {
    const form = ascii(b, 8, 4);
    if (form === 'WEBP') return info('image', 'webp', 'image/webp');
    if (form === 'WAVE') return info('audio', 'wav', 'audio/wav');
    return undefined;
  }
  if (ascii(b, 4, 4) === 'ftyp') return sniffIsoBmff(b);
  if (startsWith(b, [0x1a, 0x45, 0xdf, 0xa3])) return sniffMatroska(b);
  if (ascii(b, 0, 4) === 'fLaC') return info('audio', 'flac', 'audio/flac');
  if (ascii(b, 0, 4) === 'OggS') return info('audio', 'ogg', 'audio/ogg');
  if (ascii(b, 0, 3) === 'ID3' || isMpegAudioFrame(b)) return info('audio', 'mp3', 'audio/mpeg');
  return undefined;
}

/** ISO base media files (MP4, MOV, M4A, AVIF, HEIC) are told apart by their major and compatible brands. */
function sniffIsoBmff(b: Uint8Array): MediaInfo {
  const boxSize = ((b[0] ?? 0) << 24) | ((b[1] ?? 0) << 16) | ((b[2] ?? 0) << 8) | (b[3] ?? 0);
  const end = Math.min(b.length, Math.max(16, boxSize >>> 0));
  const brands = new Set<string>([ascii(b, 8, 4)]);
  for (let off = 16; off + 4 <= end; off += 4) brands.add(ascii(b, off, 4));
  const major = ascii(b, 8, 4);
  if (major === 'avif' || major === 'avis') return info('image', 'avif', 'image/avif');
  if (['heic', 'heix', 'heim', 'heis', 'hevc', 'hevx', 'mif1', 'msf1'].includes(major)) {
    return brands.has('avif') ? info('image', 'avif', 'image/avif') : info('image', 'heic', 'image/heic');
  }
  if (major === 'M4A ' || major === 'M4B ' || major === 'F4A ') return info('audio', 'm4a', 'audio/mp4');
  if (major === 'qt  ') return info('video', 'mov', 'video/quicktime');
  return info('video', 'mp4', 'video/mp4');
}

/** WebM is Matroska with DocType "webm"; the DocType string sits in the EBML header near the start. */
function sniffMatroska(b: Uint8Array): MediaInfo {
  const header = ascii(b, 0, Math.min(b.length, 64));
  if (header.includes('webm')) return info('video', 'webm', 'video/webm');
  return info('video', 'mkv', 'video/x-matroska');
}

/** An MPEG-1/2 Layer III frame sync without an ID3 tag. */
function isMpegAudioFrame(b: Uint8Array): boolean {
  if (b.length < 4 || b[0] !== 0xff) return false;
  const b1 = b[1] ?? 0;
  const b2 = b[2] ?? 0;
  const sync = (b1 & 0xe0) === 0xe0;
  const layer3 = (b1 & 0x06) === 0x02;
  const version = (b1 >> 3) & 0x03;
  const bitrate = b2 >> 4;
  const rate = (b2 >> 2) & 0x03;
  return sync && layer3 && version !== 1 && bitrate !== 0 && bitrate !== 15 && rate !== 3;
}

function sniffText(b: Uint8Array): MediaInfo | undefined {
  if (startsWith(b, [0xff, 0xfe])) return info('text', 'utf-16le', 'text/plain; charset=utf-16le');
  if (startsWith(b, [0xfe, 0xff])) return info('text', 'utf-16be', 'text/plain; charset=utf-16be');
  return looksLikeText(b) ? info('text', 'utf-8', 'text/plain; charset=utf-8') : undefined;
}

/**
 * Decides whether bytes without a binary signature are text. Invalid UTF-8 is tolerated (a few bad bytes must
 * not let text evade the text checks), but NUL bytes and a high share of control bytes or invalid sequences mean
 * binary.
 */
export function looksLikeText(b: Uint8Array): boolean {
  let control = 0;
  let invalid = 0;
  let i = 0;
  const n = b.length;
  while (i < n) {
    const c = b[i] as number;
    if (c === 0) return false;
    if (c < 0x80) {
      if (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d && c !== 0x0c && c !== 0x1b) control++;
      else if (c === 0x7f) control++;
      i++;
      continue;
    }
    const len = c >= 0xf0 && c <= 0xf4 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 && c <= 0xdf ? 2 : 0;
    if (len === 0 || (c >= 0xe0 && len === 4 && c > 0xf4)) {
      invalid++;
      i++;
      continue;
    }
    let ok = true;
    for (let k = 1; k < len; k++) {
      const cc = b[i + k];
      if (cc === undefined) break; // a sequence cut at the end of the sniffed head is fine
      if ((cc & 0xc0) !== 0x80) {
        ok = false;
        break;
      }
    }
    if (ok) i += len;
    else {
      invalid++;
      i++;
    }
  }
  return control / n <= 0.05 && invalid / n <= 0.3;
}
