import { isUtf8 } from 'node:buffer';
import type { MediaFormat } from '../media/media-type';

/** Decoded text and whether the bytes were valid in their encoding. */
export interface DecodedText {
  readonly text: string;
  readonly invalidEncoding: boolean;
}

/**
 * Decodes text bytes. Invalid sequences become U+FFFD and are reported, so the text is still scanned: one bad
 * byte must not let a message slip past the text checks. A byte-order mark is dropped.
 */
export function decodeText(bytes: Uint8Array, format: MediaFormat): DecodedText {
  const label = format === 'utf-16le' ? 'utf-16le' : format === 'utf-16be' ? 'utf-16be' : 'utf-8';
  let invalidEncoding = false;
  if (label === 'utf-8') {
    invalidEncoding = !isUtf8(bytes);
  } else {
    try {
      new TextDecoder(label, { fatal: true }).decode(bytes);
    } catch {
      invalidEncoding = true;
    }
  }
  const text = new TextDecoder(label, { fatal: false, ignoreBOM: false }).decode(bytes);
  return { text, invalidEncoding };
}
