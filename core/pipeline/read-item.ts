import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { TransientStoreError } from '../errors';
import { SNIFF_BYTES } from '../media/sniff';

/** What reading an item's stream once yields. */
export interface ReadItem {
  readonly sha256: string;
  readonly bytes: number;
  /** The first bytes, for sniffing. */
  readonly head: Buffer;
  /** The whole content when it fitted in `keepLimit` (and was not spooled), else undefined. */
  readonly content?: Buffer;
  /** A private temporary copy of the whole item, when `spoolWhen` asked for one; remove it with {@link removeSpool}. */
  readonly spoolPath?: string;
}

/** Options for {@link readItem}. */
export interface ReadItemOptions {
  /** Keep the content in memory up to this many bytes. */
  readonly keepLimit: number;
  /**
   * Called once with the head (the first `SNIFF_BYTES`, or all of a shorter item); returning true copies the whole
   * item to a temporary file instead of memory (media that ffmpeg reads from a file, whatever its size).
   */
  readonly spoolWhen?: (head: Buffer) => boolean;
  /** Folder for spooled copies (default the OS temp folder). */
  readonly spoolDir?: string;
}

/**
 * Reads a stream once: hashes every byte, keeps the head for sniffing, and keeps the whole content only up to
 * `keepLimit` bytes, so a huge item costs bounded memory however large it is. Media can be spooled to disk instead.
 */
export async function readItem(stream: Readable, options: ReadItemOptions): Promise<ReadItem> {
  const hash = createHash('sha256');
  const chunks: Buffer[] = [];
  let kept = 0;
  let keeping = true;
  let bytes = 0;
  let head = Buffer.alloc(0);
  let decided = false;
  let spool: WriteStream | undefined;
  let spoolPath: string | undefined;
  const decide = async () => {
    decided = true;
    if (!options.spoolWhen?.(head)) return;
    spoolPath = join(options.spoolDir ?? tmpdir(), `winnow-spool-${randomUUID()}`);
    spool = createWriteStream(spoolPath, { mode: 0o600 });
    // Write errors also reach the write callbacks, which reject; without a listener the event would crash the process.
    spool.on('error', () => {});
    keeping = false;
    for (const c of chunks) await write(spool, c);
    chunks.length = 0;
  };
  try {
    for await (const chunk of stream) {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
      hash.update(buf);
      bytes += buf.length;
      if (head.length < SNIFF_BYTES) head = Buffer.concat([head, buf.subarray(0, SNIFF_BYTES - head.length)]);
      if (spool) {
        await write(spool, buf);
      } else if (keeping) {
        chunks.push(buf);
        kept += buf.length;
      }
      if (!decided && head.length >= SNIFF_BYTES) await decide();
      if (keeping && decided && kept > options.keepLimit) {
        keeping = false;
        chunks.length = 0;
      }
    }
    if (!decided) await decide();
    if (keeping && kept > options.keepLimit) {
      keeping = false;
      chunks.length = 0;
    }
    if (spool) await close(spool);
  } catch (err) {
    if (spool) spool.destroy();
    await removeSpool(spoolPath);
    throw err;
  }
  return {
    sha256: hash.digest('hex'),
    bytes,
    head,
    content: keeping && !spool ? Buffer.concat(chunks, kept) : undefined,
    ...(spoolPath ? { spoolPath } : {}),
  };
}

/** Deletes a spooled copy; missing files are fine. */
export async function removeSpool(path: string | undefined): Promise<void> {
  if (path) await rm(path, { force: true });
}

function write(stream: WriteStream, chunk: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.write(chunk, (err) => (err ? reject(spoolError(err)) : resolve()));
  });
}

function close(stream: WriteStream): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.end((err?: Error | null) => (err ? reject(spoolError(err)) : resolve()));
  });
}

/** A full or failing temp disk is the machine's problem, not the item's: retry later. */
function spoolError(err: Error): Error {
  return new TransientStoreError(`cannot write the temporary copy of the item: ${err.message}`, {
    cause: err,
  });
}
