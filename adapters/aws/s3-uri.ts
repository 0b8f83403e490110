/** A bucket and a key. */
export interface S3Location {
  readonly bucket: string;
  readonly key: string;
}

/** Bucket names as S3 accepts them, legacy (upper case, `_`) included. */
const BUCKET = /^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$/;

/**
 * The URI of an S3 object: `s3://bucket/key`, with the key VERBATIM, as the AWS CLI writes it. Keys are not
 * percent-encoded: `s3://b/a b+c%41.txt` names the key `a b+c%41.txt`, byte for byte.
 */
export function formatS3Uri(bucket: string, key: string): string {
  return `s3://${bucket}/${key}`;
}

/**
 * Parses an `s3://bucket/key` URI (the scheme in any case). The key is everything after the `/` that ends the
 * bucket name, taken verbatim: no percent-decoding, and `?`, `#` and `+` are part of the key. Undefined when the
 * URI is not `s3:`, the bucket name is not valid, or the key is empty.
 */
export function parseS3Uri(uri: string): S3Location | undefined {
  if (!/^s3:\/\//i.test(uri)) return undefined;
  const rest = uri.slice('s3://'.length);
  const slash = rest.indexOf('/');
  if (slash <= 0) return undefined;
  const bucket = rest.slice(0, slash);
  const key = rest.slice(slash + 1);
  if (!BUCKET.test(bucket) || key.length === 0) return undefined;
  return { bucket, key };
}

/**
 * Decodes a key as S3 sends it URL-encoded: in event notifications (`Records[].s3.object.key`, where a space is
 * `+`) and in listings requested with `EncodingType=url`. A literal `+` arrives as `%2B`. Throws `URIError` for a
 * malformed escape.
 */
export function decodeS3EncodedKey(encoded: string): string {
  return decodeURIComponent(encoded.replace(/\+/g, ' '));
}
