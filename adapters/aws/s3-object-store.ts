import { Readable } from 'node:stream';
import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { TransientStoreError, UnreadableItemError } from '../../core/errors';
import type { ListOptions, ListPage, ObjectInfo, ObjectStore } from '../../core/ports/object-store';
import {
  awsErrorName,
  awsHttpStatus,
  describeAwsError,
  isTransientAwsError,
  toStoreError,
} from './aws-errors';
import { decodeS3EncodedKey, formatS3Uri } from './s3-uri';

/** Options for {@link S3ObjectStore}. */
export interface S3ObjectStoreOptions {
  readonly client: S3Client;
  readonly bucket: string;
  /**
   * Key prefix the store is rooted at (default none): store keys are relative to it, and nothing outside it is
   * listed. It is a plain string prefix, so end it with `/` for a "folder".
   */
  readonly prefix?: string;
  /**
   * Buffers and strings of at least this many bytes are uploaded in parts (`@aws-sdk/lib-storage` `Upload`), smaller
   * ones with one `PutObject`. Streams always go through `Upload`, which also sends one `PutObject` when the stream
   * fits in one part. Default 16 MiB.
   */
  readonly multipartThreshold?: number;
  /** Bytes per part of a multipart upload; S3 needs at least 5 MiB. Default 8 MiB. */
  readonly partSize?: number;
  /** Parts uploaded at once by one `put`. Default 4. */
  readonly uploadConcurrency?: number;
}

const MiB = 1024 * 1024;
const DEFAULT_PAGE = 1000;
const MAX_PAGE = 10_000;
/** ListObjectsV2 returns at most this many keys per request. */
const S3_MAX_KEYS = 1000;

/** Whether an SDK error says the object (or its bucket) is not there. */
function isNotFound(err: unknown): boolean {
  const name = awsErrorName(err);
  return name === 'NotFound' || name === 'NoSuchKey' || name === 'NoSuchBucket' || awsHttpStatus(err) === 404;
}

/**
 * An {@link ObjectStore} over one S3 bucket (optionally under a key prefix). Keys are plain S3 keys, not
 * URL-encoded; {@link uriFor} gives `s3://bucket/key` with the key verbatim (see `s3-uri.ts`).
 *
 * `list` pages through `ListObjectsV2` in S3's order (UTF-8 binary order of the whole key). Its cursor is the last
 * key of the page, passed back as `StartAfter`, so any listed key resumes the listing, also in a new process; keys
 * are requested URL-encoded (`EncodingType=url`), so keys with characters XML cannot carry list intact.
 *
 * `get` streams the object (`GetObject`), a byte range as an inclusive `Range: bytes=start-end`; a range that
 * starts past the end yields no bytes, as a file does. A missing object, a missing bucket or a denied read is an
 * {@link UnreadableItemError}; throttling, 5xx and network failures are {@link TransientStoreError}s.
 *
 * `put` writes small buffers and strings with `PutObject` and streams and large bodies with a multipart `Upload`
 * (aborted, parts and all, when it fails). S3 writes are atomic: readers see the old object or the new one.
 */
export class S3ObjectStore implements ObjectStore {
  readonly bucket: string;
  readonly prefix: string;
  private readonly client: S3Client;
  private readonly multipartThreshold: number;
  private readonly partSize: number;
  private readonly uploadConcurrency: number;

  constructor(options: S3ObjectStoreOptions) {
    this.client = options.client;
    this.bucket = options.bucket;
    this.prefix = options.prefix ?? '';
    this.multipartThreshold = options.multipartThreshold ?? 16 * MiB;
    this.partSize = Math.max(5 * MiB, options.partSize ?? 8 * MiB);
    this.uploadConcurrency = Math.max(1, Math.floor(options.uploadConcurrency ?? 4));
  }

  uriFor(key: string): string {
    return formatS3Uri(this.bucket, this.prefix + key);
  }

  async list(options: ListOptions = {}): Promise<ListPage> {
    const limit = Math.min(MAX_PAGE, Math.max(1, Math.floor(options.limit ?? DEFAULT_PAGE)));
    const prefix = this.prefix + (options.prefix ?? '');
    const startAfter = options.cursor === undefined ? undefined : this.prefix + options.cursor;
    const items: ObjectInfo[] = [];
    let token: string | undefined;
    let truncated = false;
    do {
      const out = await this.call('list', `s3://${this.bucket}/${prefix}`, () =>
        this.client.send(
          new ListObjectsV2Command({
            Bucket: this.bucket,
            ...(prefix ? { Prefix: prefix } : {}),
            // S3 ignores StartAfter with a continuation token; send only one.
            ...(token ? { ContinuationToken: token } : startAfter ? { StartAfter: startAfter } : {}),
            MaxKeys: Math.min(S3_MAX_KEYS, limit - items.length),
            EncodingType: 'url',
          }),
        ),
      );
      // Emulators may ignore EncodingType; decode only what S3 says it encoded.
      const encoded = out.EncodingType === 'url';
      for (const o of out.Contents ?? []) {
        if (o.Key === undefined) continue;
        const fullKey = encoded ? decodeListedKey(o.Key) : o.Key;
        if (!fullKey.startsWith(this.prefix)) continue;
        items.push({
          key: fullKey.slice(this.prefix.length),
          size: o.Size ?? 0,
          ...(o.LastModified ? { lastModified: o.LastModified } : {}),
          ...(o.ETag ? { etag: o.ETag } : {}),
        });
      }
      truncated = out.IsTruncated === true;
      token = out.NextContinuationToken;
    } while (truncated && token !== undefined && items.length < limit);
    const last = items[items.length - 1];
    return truncated && last ? { items, cursor: last.key } : { items };
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    try {
      const out = await this.client.send(
        new HeadObjectCommand({ Bucket: this.bucket, Key: this.prefix + key }),
      );
      return {
        key,
        size: out.ContentLength ?? 0,
        ...(out.LastModified ? { lastModified: out.LastModified } : {}),
        ...(out.ETag ? { etag: out.ETag } : {}),
      };
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw this.readError('head', key, err);
    }
  }

  async get(
    key: string,
    options: { readonly start?: number; readonly end?: number } = {},
  ): Promise<Readable> {
    const start = options.start ?? 0;
    const end = options.end;
    if (
      !Number.isInteger(start) ||
      start < 0 ||
      (end !== undefined && (!Number.isInteger(end) || end < start))
    ) {
      throw new RangeError(`invalid byte range ${start}..${end ?? ''} for ${JSON.stringify(key)}`);
    }
    const range = start > 0 || end !== undefined ? `bytes=${start}-${end ?? ''}` : undefined;
    try {
      const out = await this.client.send(
        new GetObjectCommand({
          Bucket: this.bucket,
          Key: this.prefix + key,
          ...(range ? { Range: range } : {}),
        }),
      );
      const body = out.Body;
      if (body === undefined) return Readable.from([]);
      if (!(body instanceof Readable)) {
        throw new TypeError('GetObject returned a body that is not a Node.js stream');
      }
      return body;
    } catch (err) {
      // As a file read past its end: no bytes. (S3 answers 416 when the range starts at or past the end.)
      if (range && (awsErrorName(err) === 'InvalidRange' || awsHttpStatus(err) === 416))
        return Readable.from([]);
      throw this.readError('get', key, err);
    }
  }

  async put(key: string, body: Buffer | string | Readable): Promise<void> {
    if (key.length === 0) throw new RangeError('cannot put an object with an empty key');
    const Key = this.prefix + key;
    const label = `s3://${this.bucket}/${Key}`;
    if (typeof body === 'string' || Buffer.isBuffer(body)) {
      const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
      if (bytes.length < this.multipartThreshold) {
        await this.call('put', label, () =>
          this.client.send(
            new PutObjectCommand({ Bucket: this.bucket, Key, Body: bytes, ContentLength: bytes.length }),
          ),
        );
        return;
      }
      await this.upload(Key, bytes, label);
      return;
    }
    await this.upload(Key, body, label);
  }

  private async upload(Key: string, Body: Buffer | Readable, label: string): Promise<void> {
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key, Body },
      partSize: this.partSize,
      queueSize: this.uploadConcurrency,
      leavePartsOnError: false,
    });
    try {
      await upload.done();
    } catch (err) {
      // A failure of the caller's stream is the caller's error, not the store's.
      if (!isSdkError(err) && !isTransientAwsError(err)) throw err;
      throw toStoreError(`put ${label}`, err);
    }
  }

  /** Runs a request, mapping failures to Winnow errors (listing failures that are not transient: unreadable). */
  private async call<R>(what: 'list' | 'put', label: string, fn: () => Promise<R>): Promise<R> {
    try {
      return await fn();
    } catch (err) {
      if (what === 'list' && !isTransientAwsError(err)) {
        throw new UnreadableItemError(describeAwsError(`cannot list ${label}`, err), { cause: err });
      }
      throw toStoreError(`${what} ${label}`, err);
    }
  }

  private readError(what: string, key: string, err: unknown): Error {
    const label = JSON.stringify(key);
    if (isTransientAwsError(err)) {
      return new TransientStoreError(describeAwsError(`${what} ${label} in s3://${this.bucket}`, err), {
        cause: err,
      });
    }
    return new UnreadableItemError(`${awsErrorName(err)}: cannot read ${label}`, { cause: err });
  }
}

/** True for an error the SDK raised for a service response (it carries `$metadata`). */
function isSdkError(err: unknown): boolean {
  return typeof err === 'object' && err !== null && '$metadata' in err;
}

/** Decodes a listed key; a key S3 did not encode as promised is kept as it came. */
function decodeListedKey(key: string): string {
  try {
    return decodeS3EncodedKey(key);
  } catch {
    return key;
  }
}
