import { type EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import {
  CopyObjectCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  type HeadObjectCommandOutput,
  PutObjectTaggingCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { isTransientSqsError } from '../adapters/aws/sqs-errors';
import { TransientStoreError } from '../core/errors';
import type { ActionTarget, VerdictEvent } from '../core/serverless/apply-actions';
import type { S3Location } from '../core/serverless/s3-location';
import { ActionRequestError, ObjectMissingError } from '../core/serverless/serverless-errors';

/** Options for {@link AwsActionTarget}. */
export interface AwsActionTargetOptions {
  readonly s3: S3Client;
  readonly events: EventBridgeClient;
  /** The bus of verdict events (name or ARN); unset: the default bus. */
  readonly eventBusName?: string;
}

/** S3 allows 10 tags per object. */
const MAX_TAGS = 10;
/** CopyObject copies at most 5 GiB; bigger objects need a multipart copy. */
const MAX_COPY_BYTES = 5 * 1024 ** 3;
/** EventBridge error codes a retry may pass. */
const TRANSIENT_EVENT_CODES = new Set(['ThrottlingException', 'InternalFailure', 'InternalException']);
const MISSING = new Set(['NoSuchKey', 'NotFound', 'NoSuchVersion']);
/** S3 error names that pass on their own, beyond the throttling, 5xx and network failures SQS shares. */
const TRANSIENT_S3_NAMES = new Set([
  'SlowDown',
  'ServiceUnavailable',
  'InternalError',
  'RequestTimeout',
  'OperationAborted',
]);

/**
 * The {@link ActionTarget} on AWS: S3 object tags (GetObjectTagging + PutObjectTagging, keeping the object's other
 * tags), S3 CopyObject (quarantine copies and copies in place, each skipped when the destination already carries
 * the metadata) and EventBridge PutEvents. SDK failures become Winnow errors: `TransientStoreError` when a retry
 * may pass (throttling, 5xx, network, a source that changed during the copy), `ObjectMissingError` for a missing
 * object, `ActionRequestError` otherwise (no permission, too many tags, too large to copy).
 */
export class AwsActionTarget implements ActionTarget {
  private readonly s3: S3Client;
  private readonly events: EventBridgeClient;
  private readonly eventBusName?: string;

  constructor(options: AwsActionTargetOptions) {
    this.s3 = options.s3;
    this.events = options.events;
    this.eventBusName = options.eventBusName;
  }

  async tagObject(object: S3Location, tags: Readonly<Record<string, string>>): Promise<void> {
    const current = await this.call('get tags', object, () =>
      this.s3.send(new GetObjectTaggingCommand({ Bucket: object.bucket, Key: object.key })),
    );
    const merged = new Map((current.TagSet ?? []).map((t) => [t.Key ?? '', t.Value ?? '']));
    if (Object.entries(tags).every(([k, v]) => merged.get(k) === v)) return;
    for (const [k, v] of Object.entries(tags)) merged.set(k, v);
    if (merged.size > MAX_TAGS) {
      throw new ActionRequestError(
        `${describe(object)}: the object has ${merged.size - Object.keys(tags).length} other tags; with Winnow's ` +
          `${Object.keys(tags).length} it would pass S3's limit of ${MAX_TAGS} (use WINNOW_STATUS_MARKER=metadata)`,
      );
    }
    await this.call('put tags', object, () =>
      this.s3.send(
        new PutObjectTaggingCommand({
          Bucket: object.bucket,
          Key: object.key,
          Tagging: { TagSet: [...merged].map(([Key, Value]) => ({ Key, Value })) },
        }),
      ),
    );
  }

  async copyObject(
    from: S3Location,
    to: S3Location,
    metadata: Readonly<Record<string, string>>,
  ): Promise<void> {
    const inPlace = from.bucket === to.bucket && from.key === to.key;
    // Without s3:GetObject and s3:ListBucket on the quarantine bucket, S3 answers 403 for its head: copy anyway.
    const existing = await this.head(to, !inPlace);
    if (existing && Object.entries(metadata).every(([k, v]) => existing.Metadata?.[k] === v)) return;
    const source = inPlace ? existing : await this.head(from);
    if (!source) throw new ObjectMissingError(`${describe(from)}: the object no longer exists`);
    if ((source.ContentLength ?? 0) > MAX_COPY_BYTES) {
      throw new ActionRequestError(
        `${describe(from)}: ${source.ContentLength} bytes is more than CopyObject's 5 GiB (multipart copy is not built)`,
      );
    }
    await this.call('copy', to, () =>
      this.s3.send(
        new CopyObjectCommand({
          Bucket: to.bucket,
          Key: to.key,
          CopySource: copySource(from),
          // The object copied is the one just looked at; if it changes meanwhile the copy fails (412) and is retried.
          ...(source.ETag ? { CopySourceIfMatch: source.ETag } : {}),
          MetadataDirective: 'REPLACE',
          Metadata: inPlace ? { ...source.Metadata, ...metadata } : { ...metadata },
          // REPLACE resets these headers; keep the source's.
          ...(source.ContentType ? { ContentType: source.ContentType } : {}),
          ...(source.ContentEncoding ? { ContentEncoding: source.ContentEncoding } : {}),
          ...(source.ContentDisposition ? { ContentDisposition: source.ContentDisposition } : {}),
          ...(source.ContentLanguage ? { ContentLanguage: source.ContentLanguage } : {}),
          ...(source.CacheControl ? { CacheControl: source.CacheControl } : {}),
          // In place the object keeps its tags (the status marker among them); a quarantine copy takes none, so
          // the quarantine bucket needs no tagging permission.
          ...(inPlace
            ? {
                TaggingDirective: 'COPY' as const,
                ...(source.StorageClass ? { StorageClass: source.StorageClass } : {}),
              }
            : { TaggingDirective: 'REPLACE' as const }),
        }),
      ),
    );
  }

  async putEvent(event: VerdictEvent): Promise<void> {
    const out = await this.call('put event', undefined, () =>
      this.events.send(
        new PutEventsCommand({
          Entries: [
            {
              Source: event.source,
              DetailType: event.detailType,
              Detail: JSON.stringify(event.detail),
              Resources: [...event.resources],
              ...(this.eventBusName ? { EventBusName: this.eventBusName } : {}),
            },
          ],
        }),
      ),
    );
    if ((out.FailedEntryCount ?? 0) === 0) return;
    const code = out.Entries?.[0]?.ErrorCode ?? 'unknown';
    const message = `put event: EventBridge refused the event: ${code}: ${out.Entries?.[0]?.ErrorMessage ?? ''}`;
    throw TRANSIENT_EVENT_CODES.has(code)
      ? new TransientStoreError(message)
      : new ActionRequestError(message);
  }

  /** The object's head, or undefined when it does not exist (or, with `forbiddenIsMissing`, may not be read). */
  private async head(
    object: S3Location,
    forbiddenIsMissing = false,
  ): Promise<HeadObjectCommandOutput | undefined> {
    try {
      return await this.s3.send(new HeadObjectCommand({ Bucket: object.bucket, Key: object.key }));
    } catch (err) {
      if (isMissing(err) || (forbiddenIsMissing && awsHttpStatus(err) === 403)) return undefined;
      throw toActionError('head', object, err);
    }
  }

  private async call<T>(what: string, object: S3Location | undefined, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw toActionError(what, object, err);
    }
  }
}

/** `bucket/key` with each key segment URL-encoded, as CopyObject's `CopySource` wants it. */
export function copySource(object: S3Location): string {
  return `${object.bucket}/${object.key.split('/').map(encodeURIComponent).join('/')}`;
}

function describe(object: S3Location): string {
  return `s3://${object.bucket}/${object.key}`;
}

function awsErrorName(err: unknown): string {
  return typeof err === 'object' && err !== null
    ? String((err as { name?: unknown }).name ?? 'Error')
    : 'Error';
}

function awsHttpStatus(err: unknown): number | undefined {
  const status = (err as { $metadata?: { httpStatusCode?: unknown } } | null)?.$metadata?.httpStatusCode;
  return typeof status === 'number' ? status : undefined;
}

function isMissing(err: unknown): boolean {
  const name = awsErrorName(err);
  return name !== 'NoSuchBucket' && (MISSING.has(name) || awsHttpStatus(err) === 404);
}

/** Maps an SDK failure to a Winnow error (see {@link AwsActionTarget}). */
export function toActionError(what: string, object: S3Location | undefined, err: unknown): Error {
  const name = awsErrorName(err);
  const message = `${object ? `${describe(object)}: ` : ''}${what}: ${name}: ${err instanceof Error ? err.message : String(err)}`;
  if (
    isTransientSqsError(err) ||
    TRANSIENT_S3_NAMES.has(name) ||
    name === 'PreconditionFailed' ||
    awsHttpStatus(err) === 412
  ) {
    return new TransientStoreError(message, { cause: err });
  }
  if (isMissing(err)) return new ObjectMissingError(message, { cause: err });
  return new ActionRequestError(message, { cause: err });
}
