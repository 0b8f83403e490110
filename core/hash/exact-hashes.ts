import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

/** MD5 and SHA-256 of some bytes, as lowercase hex: exact-match hashes for known files and video lists. */
export interface ExactHashes {
  readonly md5: string;
  readonly sha256: string;
}

/** MD5 and SHA-256 of `bytes`. */
export function exactHashes(bytes: Uint8Array): ExactHashes {
  return {
    md5: createHash('md5').update(bytes).digest('hex'),
    sha256: createHash('sha256').update(bytes).digest('hex'),
  };
}

/** MD5 and SHA-256 of a file, streamed (for videos too large to hold in memory). */
export async function exactHashesOfFile(path: string): Promise<ExactHashes> {
  const md5 = createHash('md5');
  const sha256 = createHash('sha256');
  for await (const chunk of createReadStream(path)) {
    md5.update(chunk as Buffer);
    sha256.update(chunk as Buffer);
  }
  return { md5: md5.digest('hex'), sha256: sha256.digest('hex') };
}
