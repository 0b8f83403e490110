import { createHash } from 'node:crypto';
import { InvalidEventError } from './serverless-errors';

/** One S3 object, by bucket and (decoded) key. */
export interface S3Location {
  readonly bucket: string;
  readonly key: string;
}

/** A bucket and a key prefix (empty, or ending in `/`), such as the quarantine location. */
export interface S3Prefix {
  readonly bucket: string;
  readonly prefix: string;
}

/** S3's limit on a key: 1024 bytes of UTF-8. */
export const MAX_S3_KEY_BYTES = 1024;

/** Bucket names: 3–63 lowercase letters, digits, dots and dashes; legacy names may also hold capitals and `_`. */
const BUCKET = /^[A-Za-z0-9][A-Za-z0-9._-]{1,253}[A-Za-z0-9]$/;

/**
 * Decodes an object key as S3 event notifications carry it (`application/x-www-form-urlencoded`, as in the
 * notification, SNS and EventBridge formats): `+` is a space, then `%XX` sequences are UTF-8 bytes. So `a+b.txt`
 * is `a b.txt`, `%2B.txt` is `+.txt` and `caf%C3%A9.png` is `café.png`. A malformed sequence is an
 * {@link InvalidEventError} (S3 never sends one, so the event did not come from S3 as it is).
 */
export function decodeS3EventKey(raw: string): string {
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch {
    throw new InvalidEventError('the object key is not valid URL encoding (S3 events URL-encode keys)');
  }
}

/** The URI verdicts and job messages use for an S3 object: `s3://bucket/key`, the key as is (not encoded). */
export function s3Uri(location: S3Location): string {
  return `s3://${location.bucket}/${location.key}`;
}

/** The bucket and key of an `s3://bucket/key` URI (the key is everything after the bucket's `/`), or undefined. */
export function parseS3Uri(uri: string): S3Location | undefined {
  const m = /^s3:\/\/([^/]+)\/(.+)$/s.exec(uri);
  if (!m || !BUCKET.test(m[1] as string)) return undefined;
  return { bucket: m[1] as string, key: m[2] as string };
}

/**
 * Parses a location written as `bucket`, `bucket/prefix` or `s3://bucket/prefix`; the prefix comes back empty or
 * ending in `/`. Throws a `RangeError` naming the problem.
 */
export function parseS3Prefix(raw: string): S3Prefix {
  const rest = raw.trim().replace(/^s3:\/\//, '');
  const slash = rest.indexOf('/');
  const bucket = slash < 0 ? rest : rest.slice(0, slash);
  let prefix = slash < 0 ? '' : rest.slice(slash + 1);
  if (!BUCKET.test(bucket)) throw new RangeError(`"${bucket}" is not an S3 bucket name`);
  if (prefix !== '' && !prefix.endsWith('/')) prefix += '/';
  if (prefix.startsWith('/')) throw new RangeError('the prefix must not start with "/"');
  return { bucket, prefix };
}

/** True when an object lies under a bucket and prefix. */
export function isUnder(location: S3Location, under: S3Prefix): boolean {
  return location.bucket === under.bucket && location.key.startsWith(under.prefix);
}

/** The partition of a region, for ARNs: `aws-cn` for China, `aws-us-gov` for GovCloud, else `aws`. */
export function partitionOf(region: string | undefined): string {
  if (region?.startsWith('cn-')) return 'aws-cn';
  if (region?.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

/** The ARN of an object: `arn:aws:s3:::bucket/key`. */
export function s3ObjectArn(location: S3Location, partition = 'aws'): string {
  return `arn:${partition}:s3:::${location.bucket}/${location.key}`;
}

/**
 * Where the quarantine action copies an object: `<prefix><source bucket>/<source key>`, the same key every time
 * for the same object, so a repeated copy lands on the same destination. A key that would pass S3's 1024-byte
 * limit becomes `<prefix><source bucket>/_long/<sha256 of the key>` (the full source stays in the metadata).
 */
export function quarantineLocation(source: S3Location, quarantine: S3Prefix): S3Location {
  const key = `${quarantine.prefix}${source.bucket}/${source.key}`;
  if (Buffer.byteLength(key) <= MAX_S3_KEY_BYTES) return { bucket: quarantine.bucket, key };
  const digest = createHash('sha256').update(source.key).digest('hex');
  return { bucket: quarantine.bucket, key: `${quarantine.prefix}${source.bucket}/_long/${digest}` };
}
