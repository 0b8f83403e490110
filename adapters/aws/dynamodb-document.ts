import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import { StoreItemTooLargeError, StoreRequestError } from './aws-errors';

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

/**
 * The most bytes a gzipped document may take in one DynamoDB item. DynamoDB items hold at most 400 KB, names and
 * other attributes included; the rest of a Winnow item is well under 50 KB.
 */
export const MAX_DOCUMENT_BYTES = 350 * 1024;

/**
 * JSON, gzipped, for a Binary attribute. Throws {@link StoreItemTooLargeError} (permanent) when the result is larger
 * than {@link MAX_DOCUMENT_BYTES}.
 */
export async function packDocument(json: string, what: string): Promise<Buffer> {
  const packed = await gzipAsync(Buffer.from(json, 'utf8'));
  if (packed.length > MAX_DOCUMENT_BYTES) {
    throw new StoreItemTooLargeError(
      `${what} is ${Buffer.byteLength(json)} bytes of JSON, ${packed.length} bytes gzipped; a DynamoDB item holds ` +
        `at most ${MAX_DOCUMENT_BYTES} bytes of it (offloading large documents to S3 is not built yet)`,
    );
  }
  return packed;
}

/** Parses a document {@link packDocument} wrote. */
export async function unpackDocument<T>(data: unknown, what: string): Promise<T> {
  if (!(data instanceof Uint8Array)) {
    throw new StoreRequestError(`${what}: the stored item has no document (not written by Winnow?)`);
  }
  try {
    return JSON.parse((await gunzipAsync(data)).toString('utf8')) as T;
  } catch (err) {
    throw new StoreRequestError(`${what}: the stored document cannot be read: ${(err as Error).message}`, {
      cause: err,
    });
  }
}
