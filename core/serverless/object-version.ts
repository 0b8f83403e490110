import { createHash } from 'node:crypto';
import type { Verdict } from '../verdict/verdict';
import type { S3ObjectEvent } from './s3-events';

/**
 * The identity of one version of an S3 object, used as the fast tier's trace id and so as its verdict's `runId`:
 * `s3obj-` and 32 hex digits of a hash of the bucket, the key and the version id (or, in a bucket without
 * versioning, the ETag, which changes whenever the bytes do). Undefined when the event carries neither.
 *
 * This is what makes the upload path idempotent without a table of its own: the verdict store keeps one verdict
 * per item URI and policy version, and {@link isDone} recognises the verdict this very object version produced.
 * The id also travels in the job message to the heavy tier, whose verdict carries it too.
 */
export function objectVersionToken(event: S3ObjectEvent): string | undefined {
  // Versioning-suspended buckets report the literal version id "null".
  const versionId = event.versionId && event.versionId !== 'null' ? event.versionId : undefined;
  const version = versionId ? `v:${versionId}` : event.etag ? `e:${event.etag}` : undefined;
  if (!version) return undefined;
  const digest = createHash('sha256').update(`${event.bucket}\n${event.key}\n${version}`).digest('hex');
  return `s3obj-${digest.slice(0, 32)}`;
}

/**
 * True when `existing` (the stored verdict for the item under the current policy version) was produced for the
 * same trace (object version or job) and needs no retry: anything but a retryable `error` verdict. A retryable
 * error verdict is stored so that every item keeps a verdict even when its retries run out, and is replaced by
 * the retry.
 */
export function isDone(existing: Verdict | undefined, traceId: string | undefined): boolean {
  if (!existing || traceId === undefined) return false;
  return existing.runId === traceId && existing.error?.retryable !== true;
}
