// Runs fauxqs (the SQS and S3 emulator) on a random loopback port, prints {"address": …} as one line, and stops
// when its stdin closes (the parent exited) or on SIGTERM. fauxqs is ESM-only, hence a separate process.
import { startFauxqs } from 'fauxqs';

await patchS3ListingOrder();
const server = await startFauxqs({ port: 0, logger: false });
process.stdout.write(`${JSON.stringify({ address: server.address })}\n`);

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await server.stop().catch(() => undefined);
  process.exit(0);
};
process.stdin.on('end', stop);
process.stdin.on('error', stop);
process.stdin.resume();
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

/**
 * fauxqs 1.9.2 sorts S3 listings with `localeCompare` but skips keys up to `StartAfter` / the continuation token
 * with `<=`, so a listing resumed after a non-ASCII key (`ünï/…` sorts before `w…` there) loses or repeats keys.
 * Real S3 lists in UTF-8 binary order and resumes in that order; this makes fauxqs do the same. Only listing
 * changes. A fauxqs without this store layout is left alone, with a warning.
 */
async function patchS3ListingOrder() {
  const compare = (a, b) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
  try {
    const { S3Store } = await import(new URL('./s3/s3Store.js', import.meta.resolve('fauxqs')).href);
    const originalListObjects = S3Store?.prototype?.listObjects;
    if (typeof originalListObjects !== 'function') throw new Error('no S3Store.listObjects');
    S3Store.prototype.listObjects = function listObjects(bucket, options) {
      const objectsMap = this.buckets.get(bucket);
      if (!objectsMap) {
        // Let the original raise fauxqs's own NoSuchBucket error.
        return originalListObjects.call(this, bucket, options);
      }
      const prefix = options?.prefix ?? '';
      const delimiter = options?.delimiter;
      const maxKeys = options?.maxKeys ?? 1000;
      const startAfter = options?.startAfter ?? options?.marker ?? '';
      const after = startAfter ? Buffer.from(startAfter, 'utf8') : undefined;
      const all = Array.from(objectsMap.values())
        .filter((obj) => obj.key.startsWith(prefix))
        .map((obj) => ({ obj, bytes: Buffer.from(obj.key, 'utf8') }))
        .sort((a, b) => Buffer.compare(a.bytes, b.bytes));
      const objects = [];
      const commonPrefixes = new Set();
      let count = 0;
      let isTruncated = false;
      for (const { obj, bytes } of all) {
        if (after && Buffer.compare(bytes, after) <= 0) continue;
        if (delimiter) {
          const rest = obj.key.slice(prefix.length);
          const at = rest.indexOf(delimiter);
          if (at >= 0) {
            const commonPrefix = prefix + rest.slice(0, at + delimiter.length);
            if (startAfter && compare(commonPrefix, startAfter) <= 0) continue;
            if (!commonPrefixes.has(commonPrefix)) {
              if (count >= maxKeys) {
                isTruncated = true;
                break;
              }
              commonPrefixes.add(commonPrefix);
              count++;
            }
            continue;
          }
        }
        if (count >= maxKeys) {
          isTruncated = true;
          break;
        }
        objects.push(obj);
        count++;
      }
      return { objects, commonPrefixes: [...commonPrefixes].sort(compare), isTruncated };
    };
  } catch (err) {
    process.stderr.write(`warning: could not fix fauxqs's S3 listing order: ${err.message}\n`);
  }
}
