import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { SNIFF_BYTES } from '../media/sniff';

/** What reading an item's stream once yields. */
export interface ReadItem {
  readonly sha256: string;
  readonly bytes: number;
  /** The first bytes, for sniffing. */
  readonly head: Buffer;
  /** The whole content when it fitted in `keepLimit`, else undefined (the hash and size are still exact). */
  readonly content?: Buffer;
}

/**
 * Reads a stream once: hashes every byte, keeps the head for sniffing, and keeps the whole content only up to
 * `keepLimit` bytes, so a huge item costs bounded memory however large it is.
 */
export async function readItem(stream: Readable, keepLimit: number): Promise<ReadItem> {
  const hash = createHash('sha256');
  const chunks: Buffer[] = [];
  let kept = 0;
  let keeping = true;
  let bytes = 0;
  let head = Buffer.alloc(0);
  for await (const chunk of stream) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    hash.update(buf);
    bytes += buf.length;
    if (head.length < SNIFF_BYTES) head = Buffer.concat([head, buf.subarray(0, SNIFF_BYTES - head.length)]);
    if (keeping) {
      if (kept + buf.length > keepLimit) {
        keeping = false;
        chunks.length = 0;
      } else {
        chunks.push(buf);
        kept += buf.length;
      }
    }
  }
  return {
    sha256: hash.digest('hex'),
    bytes,
    head,
    content: keeping ? Buffer.concat(chunks, kept) : undefined,
  };
}
