import { decodeS3EventKey, type S3Location } from './s3-location';

/** One object creation reported by S3, with the key decoded. */
export interface S3ObjectEvent extends S3Location {
  /** The object's version in a versioned bucket. */
  readonly versionId?: string;
  /** The object's ETag, without quotes. */
  readonly etag?: string;
  /** Size in bytes as S3 reported it. */
  readonly size?: number;
  /** What created it: `ObjectCreated:Put` (notifications) or `PutObject` (the EventBridge `reason`). */
  readonly eventName: string;
}

/** What an S3 notification payload held. */
export interface S3EventBatch {
  readonly objects: readonly S3ObjectEvent[];
  /** Records that are not object creations: deletions, restores, tagging, the `s3:TestEvent`. */
  readonly ignored: number;
  /** Why each malformed record was refused (never quoting a key). */
  readonly invalid: readonly string[];
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const size = (v: unknown): number | undefined =>
  typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : undefined;
const unquote = (etag: string | undefined): string | undefined =>
  etag?.replace(/^"(.*)"$/, '$1') || undefined;

/**
 * Finds the S3 object creations in a payload, however it was delivered: an S3 event notification (`Records` with
 * `eventSource: aws:s3`, given to a function directly or as an SQS body), an SNS notification wrapping one (a
 * Lambda SNS event, or an SNS envelope in an SQS body), or an EventBridge event from S3 (`source: aws.s3`).
 * Returns undefined when the payload is none of these. Keys are URL-decoded: AWS documents the notification key
 * as URL-encoded, and AWS's own Powertools decodes the EventBridge key the same way.
 */
export function s3EventsIn(payload: unknown): S3EventBatch | undefined {
  if (!isObject(payload)) return undefined;
  if (payload.Event === 's3:TestEvent') return { objects: [], ignored: 1, invalid: [] };
  if (payload.source === 'aws.s3' && isObject(payload.detail)) return fromEventBridge(payload);
  if (payload.Type === 'Notification' && typeof payload.Message === 'string') {
    return s3EventsIn(parseJson(payload.Message));
  }
  const records = payload.Records;
  if (!Array.isArray(records) || records.length === 0) return undefined;
  const objects: S3ObjectEvent[] = [];
  const invalid: string[] = [];
  let ignored = 0;
  let recognised = false;
  records.forEach((record, i) => {
    if (isObject(record) && record.EventSource === 'aws:sns' && isObject(record.Sns)) {
      const inner = s3EventsIn(parseJson(str(record.Sns.Message) ?? ''));
      if (!inner) return;
      recognised = true;
      objects.push(...inner.objects);
      invalid.push(...inner.invalid);
      ignored += inner.ignored;
      return;
    }
    if (!isObject(record) || record.eventSource !== 'aws:s3') return;
    recognised = true;
    const eventName = str(record.eventName) ?? '';
    if (!eventName.startsWith('ObjectCreated:')) {
      ignored++;
      return;
    }
    const s3 = isObject(record.s3) ? record.s3 : {};
    const bucket = isObject(s3.bucket) ? str(s3.bucket.name) : undefined;
    const object = isObject(s3.object) ? s3.object : {};
    const parsed = parseObject(bucket, str(object.key), {
      versionId: str(object.versionId),
      etag: unquote(str(object.eTag)),
      size: size(object.size),
      eventName,
    });
    if (typeof parsed === 'string') invalid.push(`record ${i}: ${parsed}`);
    else objects.push(parsed);
  });
  return recognised ? { objects, ignored, invalid } : undefined;
}

function fromEventBridge(event: Json): S3EventBatch {
  const detail = event.detail as Json;
  if (event['detail-type'] !== 'Object Created') return { objects: [], ignored: 1, invalid: [] };
  const object = isObject(detail.object) ? detail.object : {};
  const bucket = isObject(detail.bucket) ? str(detail.bucket.name) : undefined;
  const parsed = parseObject(bucket, str(object.key), {
    versionId: str(object['version-id']),
    etag: unquote(str(object.etag)),
    size: size(object.size),
    eventName: str(detail.reason) ?? 'Object Created',
  });
  return typeof parsed === 'string'
    ? { objects: [], ignored: 0, invalid: [`EventBridge event: ${parsed}`] }
    : { objects: [parsed], ignored: 0, invalid: [] };
}

/** The object, or why it cannot be read from the record. */
function parseObject(
  bucket: string | undefined,
  rawKey: string | undefined,
  rest: Omit<S3ObjectEvent, 'bucket' | 'key'>,
): S3ObjectEvent | string {
  if (!bucket) return 'no bucket name';
  if (rawKey === undefined) return 'no object key';
  let key: string;
  try {
    key = decodeS3EventKey(rawKey);
  } catch (err) {
    return (err as Error).message;
  }
  return {
    bucket,
    key,
    ...(rest.versionId ? { versionId: rest.versionId } : {}),
    ...(rest.etag ? { etag: rest.etag } : {}),
    ...(rest.size === undefined ? {} : { size: rest.size }),
    eventName: rest.eventName,
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
