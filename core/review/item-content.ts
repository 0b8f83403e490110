import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';

/** Size limits on what the console reads to show an item. */
export interface ItemContentLimits {
  /** Text files larger than this are not shown. */
  readonly maxTextBytes: number;
  /** Image files larger than this get no thumbnail. */
  readonly maxImageBytes: number;
  /** Images with more pixels than this get no thumbnail (decompression bombs). */
  readonly maxImagePixels: number;
}

export const DEFAULT_CONTENT_LIMITS: ItemContentLimits = {
  maxTextBytes: 4 * 1024 * 1024,
  maxImageBytes: 64 * 1024 * 1024,
  maxImagePixels: 100_000_000,
};

/** The bytes of an item, or why they cannot be shown. */
export type ItemBytes =
  | { readonly ok: true; readonly bytes: Buffer; readonly sha256: string }
  | { readonly ok: false; readonly reason: string };

/**
 * Reads a local item (`file://` URI) for display, up to `maxBytes`. Only regular files are read; anything else
 * (another scheme, a missing file, a FIFO, a file over the limit) yields a reason, never an exception. The URI
 * comes from a stored verdict, never from a request.
 */
export async function readLocalItem(uri: string, maxBytes: number): Promise<ItemBytes> {
  if (!/^file:/i.test(uri)) return { ok: false, reason: 'only local files can be shown here' };
  let path: string;
  try {
    path = fileURLToPath(uri);
  } catch {
    return { ok: false, reason: 'not a local file URI' };
  }
  let handle: fsp.FileHandle | undefined;
  try {
    handle = await fsp.open(path, 'r');
    const stat = await handle.stat();
    if (!stat.isFile()) return { ok: false, reason: 'not a regular file' };
    if (stat.size > maxBytes) return { ok: false, reason: `larger than ${maxBytes} bytes; open it locally` };
    const bytes = await handle.readFile();
    return { ok: true, bytes, sha256: createHash('sha256').update(bytes).digest('hex') };
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    return { ok: false, reason: `cannot read the file${typeof code === 'string' ? ` (${code})` : ''}` };
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

/** Longest side of a thumbnail, in pixels. */
export const THUMBNAIL_SIZE = 640;

/**
 * A JPEG thumbnail of an image: EXIF orientation applied, alpha flattened onto white, the first frame of an
 * animation, at most {@link THUMBNAIL_SIZE} pixels a side. Throws on bytes sharp cannot decode.
 */
export async function renderThumbnail(bytes: Buffer, maxPixels: number): Promise<Buffer> {
  return sharp(bytes, { limitInputPixels: maxPixels, failOn: 'error', animated: false })
    .rotate()
    .resize(THUMBNAIL_SIZE, THUMBNAIL_SIZE, { fit: 'inside', withoutEnlargement: true })
    .flatten({ background: '#ffffff' })
    .jpeg({ quality: 80 })
    .toBuffer();
}
