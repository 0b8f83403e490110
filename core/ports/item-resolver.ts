import type { ItemSource } from '../pipeline/moderation-engine';

/** Optional facts about an item that a job message already carries. */
export interface ResolveHints {
  /** Size in bytes as the producer saw it. */
  readonly size?: number;
}

/**
 * Turns an item URI from a job message (`file:///…`, `s3://bucket/key`) into an {@link ItemSource} the engine can
 * open. A URI it cannot serve (unknown scheme, outside the allowed roots) throws a `PermanentError` such as
 * `UnreadableItemError`; a missing object may instead resolve to a source whose `open` throws, so the item still
 * gets its `error` verdict.
 */
export interface ItemResolver {
  resolve(uri: string, hints?: ResolveHints): Promise<ItemSource>;
}
