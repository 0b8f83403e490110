import type { S3Client } from '@aws-sdk/client-s3';
import { TransientStoreError, UnreadableItemError } from '../../core/errors';
import type { ItemSource } from '../../core/pipeline/moderation-engine';
import type { ItemResolver, ResolveHints } from '../../core/ports/item-resolver';
import { S3ObjectStore } from './s3-object-store';
import { parseS3Uri } from './s3-uri';

/** Options for {@link S3ItemResolver}. */
export interface S3ItemResolverOptions {
  readonly client: S3Client;
  /**
   * Buckets whose objects may be read. Unset: any bucket the client's credentials can read (IAM decides); an empty
   * list refuses every `s3://` URI.
   */
  readonly allowedBuckets?: readonly string[];
}

/**
 * An {@link ItemResolver} for `s3://bucket/key` URIs. The key is taken VERBATIM, everything after the bucket's `/`,
 * with no percent-decoding: `s3://b/a b+c%20.txt` reads the key `a b+c%20.txt`, as the AWS CLI would. A producer
 * holding a URL-encoded key (an S3 event notification's `object.key`) decodes it first (`decodeS3EncodedKey`).
 *
 * The source's size comes from `HeadObject`; `open` streams `GetObject`. Another scheme, a malformed URI or a bucket
 * that is not allowed throws {@link UnreadableItemError} (an `unreadable` verdict). A missing or unreadable object
 * resolves to a source whose `open` throws `UnreadableItemError`, so the item still gets its verdict; a transient
 * failure of the `HeadObject` throws {@link TransientStoreError}, so the job is retried.
 */
export class S3ItemResolver implements ItemResolver {
  private readonly client: S3Client;
  private readonly allowed?: ReadonlySet<string>;
  private readonly stores = new Map<string, S3ObjectStore>();

  constructor(options: S3ItemResolverOptions) {
    this.client = options.client;
    if (options.allowedBuckets) this.allowed = new Set(options.allowedBuckets);
  }

  async resolve(uri: string, hints: ResolveHints = {}): Promise<ItemSource> {
    if (!/^s3:/i.test(uri)) {
      throw new UnreadableItemError(
        `unsupported URI scheme in ${schemeOf(uri)}: this resolver reads s3:// only`,
      );
    }
    const location = parseS3Uri(uri);
    if (!location) {
      throw new UnreadableItemError(
        'EINVAL: not an s3://bucket/key URI (a valid bucket name and a non-empty key)',
      );
    }
    const { bucket, key } = location;
    if (this.allowed && !this.allowed.has(bucket)) {
      throw new UnreadableItemError(
        `EACCES: bucket ${JSON.stringify(bucket)} is not among the allowed buckets`,
      );
    }
    const store = this.storeFor(bucket);
    let size: number | undefined;
    try {
      size = (await store.head(key))?.size;
    } catch (err) {
      // Missing, denied and the like: `open` reports it. A transient failure is worth a retry.
      if (err instanceof TransientStoreError) throw err;
    }
    return {
      uri: store.uriFor(key),
      size: size ?? hints.size ?? 0,
      open: () => store.get(key),
    };
  }

  private storeFor(bucket: string): S3ObjectStore {
    let store = this.stores.get(bucket);
    if (!store) {
      store = new S3ObjectStore({ client: this.client, bucket });
      this.stores.set(bucket, store);
    }
    return store;
  }
}

/**
 * An {@link ItemResolver} that hands each URI to the resolver for its scheme, e.g.
 * `{ file: new FileUriResolver(…), s3: new S3ItemResolver(…) }`. A URI with another scheme (or none) throws
 * {@link UnreadableItemError}.
 */
export class CompositeItemResolver implements ItemResolver {
  private readonly bySchemes: ReadonlyMap<string, ItemResolver>;

  /** `resolvers`: scheme (without `:`, any case) → resolver. */
  constructor(resolvers: Readonly<Record<string, ItemResolver>>) {
    this.bySchemes = new Map(Object.entries(resolvers).map(([scheme, r]) => [scheme.toLowerCase(), r]));
  }

  /** The schemes served, lower case. */
  get schemes(): string[] {
    return [...this.bySchemes.keys()];
  }

  async resolve(uri: string, hints?: ResolveHints): Promise<ItemSource> {
    const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(uri)?.[1]?.toLowerCase();
    const resolver = scheme === undefined ? undefined : this.bySchemes.get(scheme);
    if (!resolver) {
      const served = this.schemes.map((s) => `${s}://`).join(', ') || 'no scheme';
      throw new UnreadableItemError(
        `unsupported URI scheme in ${schemeOf(uri)}: this worker reads ${served}`,
      );
    }
    return resolver.resolve(uri, hints);
  }
}

/** The scheme of a URI, for messages that must not quote the URI's path. */
function schemeOf(uri: string): string {
  const m = /^([a-z][a-z0-9+.-]*):/i.exec(uri);
  return m ? `${m[1]}:` : 'a URI without a scheme';
}
