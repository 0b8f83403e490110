import { createHash } from 'node:crypto';
import { open, stat } from 'node:fs/promises';
import { probeMedia } from '../ffmpeg/probe-media';
import type { MediaFormat } from '../media/media-type';
import { decodeText } from '../text/decode-text';
import type { Verdict } from '../verdict/verdict';
import { evidenceFrame } from './evidence-frame';
import { localPathOf } from './item-location';
import { excerptOf } from './text-excerpt';
import { imageThumbnail, type Thumbnail, videoFrameThumbnail } from './thumbnails';

/** What a report shows of an item's content, next to its verdict. Everything is optional. */
export interface ItemContent {
  /** The start of the decoded text (the text the span offsets index). */
  readonly text?: { readonly excerpt: string; readonly totalChars: number };
  readonly thumbnail?: Thumbnail;
  /** Length of audio or video, when it could be probed. */
  readonly durationSec?: number;
  /** Why content is missing or partial, shown on the card. */
  readonly notes: readonly string[];
}

/** Options for {@link loadItemContent}. */
export interface ItemContentOptions {
  /** Relative item paths are resolved against it. */
  readonly baseDir: string;
  readonly textExcerptChars: number;
  /** Whether to make a thumbnail (false once the size budget is spent). */
  readonly thumbnail: boolean;
  readonly thumbnailMaxSide: number;
  /** The policy's `frameMaxSide`, which video region boxes are relative to. */
  readonly frameMaxSide: number;
  readonly ffmpegPath?: string;
}

/** Largest text or image file read for a card. */
const MAX_READ_BYTES = 64 * 1024 * 1024;

export const CONTENT_NOT_AVAILABLE = 'Content not available';

async function readBytes(path: string, size: number): Promise<Buffer> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(size);
    let off = 0;
    while (off < size) {
      const { bytesRead } = await fh.read(buf, off, size - off, off);
      if (bytesRead === 0) break;
      off += bytesRead;
    }
    return buf.subarray(0, off);
  } finally {
    await fh.close();
  }
}

/**
 * Reads what a card shows of an item: the text excerpt, a thumbnail (image, or the frame of a video's first
 * flagged segment) and the media's length. Never throws: anything missing, remote, changed since the scan or
 * undecodable becomes a note, and nothing is shown that the verdict's evidence might not match.
 */
export async function loadItemContent(v: Verdict, options: ItemContentOptions): Promise<ItemContent> {
  const media = v.item.media;
  if (media === 'unknown') return { notes: [] };
  const path = localPathOf(v.item.uri, options.baseDir);
  if (path === undefined) return { notes: [`${CONTENT_NOT_AVAILABLE}: the item is not a local file.`] };
  let size: number;
  try {
    const st = await stat(path);
    if (!st.isFile()) return { notes: [`${CONTENT_NOT_AVAILABLE}: not a regular file.`] };
    size = st.size;
  } catch {
    return { notes: [`${CONTENT_NOT_AVAILABLE}: the file is missing or unreadable.`] };
  }
  const changed = { notes: ['The file changed since the scan, so its content is not shown.'] };
  if (v.item.sha256 === '' || size !== v.item.bytes) return changed;

  if (media === 'text' || media === 'image') {
    if (size > MAX_READ_BYTES) return { notes: ['The file is too large to show.'] };
    if (media === 'image' && !options.thumbnail)
      return { notes: ['Thumbnail left out: the report’s size budget for thumbnails was spent.'] };
    let bytes: Buffer;
    try {
      bytes = await readBytes(path, size);
    } catch {
      return { notes: [`${CONTENT_NOT_AVAILABLE}: the file could not be read.`] };
    }
    if (createHash('sha256').update(bytes).digest('hex') !== v.item.sha256) return changed;
    if (media === 'text') {
      const { text } = decodeText(bytes, v.item.format as MediaFormat);
      const excerpt = excerptOf(text, options.textExcerptChars);
      const notes =
        excerpt.length < text.length
          ? [
              `Showing the first ${excerpt.length.toLocaleString('en-US')} of ${text.length.toLocaleString('en-US')} characters.`,
            ]
          : [];
      return { text: { excerpt, totalChars: text.length }, notes };
    }
    try {
      const thumbnail = await imageThumbnail(bytes, evidenceFrame(v).frame, {
        maxSide: options.thumbnailMaxSide,
      });
      return { thumbnail, notes: [] };
    } catch {
      return { notes: ['No thumbnail: the image could not be decoded.'] };
    }
  }

  // Audio and video: too large to hash here; the size check above stands in.
  let durationSec: number | undefined;
  try {
    durationSec = (await probeMedia(path, { timeoutMs: 15_000, ffmpegPath: options.ffmpegPath })).durationSec;
  } catch {
    // The timeline then spans the evidence.
  }
  const withDuration = durationSec !== undefined ? { durationSec } : {};
  if (media !== 'video') return { ...withDuration, notes: [] };
  if (!options.thumbnail)
    return {
      ...withDuration,
      notes: ['Thumbnail left out: the report’s size budget for thumbnails was spent.'],
    };
  const frame = evidenceFrame(v);
  const thumbnail = await videoFrameThumbnail(path, frame.timeSec ?? 0, {
    maxSide: options.thumbnailMaxSide,
    frameMaxSide: options.frameMaxSide,
    ffmpegPath: options.ffmpegPath,
  }).catch(() => undefined);
  return thumbnail ? { ...withDuration, thumbnail, notes: [] } : { ...withDuration, notes: [] };
}
