import type { VerdictPage } from '../ports/verdict-store';
import type { CategoryResult, Verdict } from '../verdict/verdict';
import { InvalidReviewRequestError } from './review-errors';
import { encodeReviewItemId } from './review-item-id';

/** Which verdicts make up the review queue. */
export interface PendingReviewFilter {
  /**
   * Only verdicts under this policy version. Absent: each item's current verdict (the one written last), so an
   * item re-decided by a sweep under a newer policy is not reviewed twice.
   */
  readonly policyVersion?: string;
}

/**
 * Where the review queue comes from: verdicts whose decision is `review` and that have no reviewer decision for
 * their policy version yet, oldest (`createdAt`) first. A store that keeps verdicts and decisions side by side
 * can answer this with one indexed query.
 */
export interface PendingReviewSource {
  /** One page of pending verdicts, oldest first; pass the cursor back for the next page. */
  pendingReviews(
    filter: PendingReviewFilter,
    page?: { readonly cursor?: string; readonly limit?: number },
  ): Promise<VerdictPage>;
  /** How many verdicts are pending in all. */
  countPendingReviews(filter: PendingReviewFilter): Promise<number>;
}

/** One row of the review queue: enough to list it, never the content. */
export interface QueueEntry {
  /** Opaque id for `/api/items/:id` and decisions. */
  readonly id: string;
  readonly uri: string;
  /** The last path segment of the URI, decoded, for display. */
  readonly name: string;
  readonly media: Verdict['item']['media'];
  readonly policyVersion: string;
  /** The categories that put the item in review (or block), worst score first. */
  readonly flagged: readonly CategoryResult[];
  readonly createdAt: string;
}

/** One page of the queue and how many items are left in all. */
export interface QueuePage {
  readonly entries: readonly QueueEntry[];
  readonly cursor?: string;
  readonly remaining: number;
}

/** Items per queue page unless asked otherwise, and the most one page may hold. */
export const QUEUE_PAGE_SIZE = 50;
export const MAX_QUEUE_PAGE_SIZE = 200;

const MAX_NAME_LENGTH = 200;

/** A short display name for an item: its file or object name, percent-decoding undone where possible. */
export function itemName(uri: string): string {
  const path = uri.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]*/i, '').replace(/[?#].*$/, '');
  const last =
    path
      .split('/')
      .filter((s) => s !== '')
      .pop() ?? uri;
  let name = last;
  try {
    name = decodeURIComponent(last);
  } catch {
    // Not valid percent-encoding: show it as it is.
  }
  return name.length > MAX_NAME_LENGTH ? `${name.slice(0, MAX_NAME_LENGTH - 1)}…` : name;
}

/** The categories a verdict flagged (review or block), worst score first. */
export function flaggedCategories(verdict: Verdict): CategoryResult[] {
  return verdict.categories.filter((c) => c.decision !== 'allow').sort((a, b) => b.score - a.score);
}

/** The queue entry for a verdict. */
export function toQueueEntry(verdict: Verdict): QueueEntry {
  return {
    id: encodeReviewItemId({ uri: verdict.item.uri, policyVersion: verdict.policy.version }),
    uri: verdict.item.uri,
    name: itemName(verdict.item.uri),
    media: verdict.item.media,
    policyVersion: verdict.policy.version,
    flagged: flaggedCategories(verdict),
    createdAt: verdict.createdAt,
  };
}

/** The review queue: pending verdicts as display entries, paged, with the count still to do. */
export class ReviewQueue {
  constructor(
    private readonly source: PendingReviewSource,
    /** Which verdicts the queue holds. */
    readonly filter: PendingReviewFilter = {},
  ) {}

  /** One page of the queue, oldest first. An invalid cursor is an {@link InvalidReviewRequestError}. */
  async page(options: { readonly cursor?: string; readonly limit?: number } = {}): Promise<QueuePage> {
    const limit = Math.min(MAX_QUEUE_PAGE_SIZE, Math.max(1, Math.floor(options.limit ?? QUEUE_PAGE_SIZE)));
    let page: VerdictPage;
    try {
      page = await this.source.pendingReviews(this.filter, {
        ...(options.cursor ? { cursor: options.cursor } : {}),
        limit,
      });
    } catch (err) {
      if (err instanceof RangeError)
        throw new InvalidReviewRequestError('invalid queue cursor', { cause: err });
      throw err;
    }
    const remaining = await this.source.countPendingReviews(this.filter);
    return {
      entries: page.verdicts.map(toQueueEntry),
      ...(page.cursor ? { cursor: page.cursor } : {}),
      remaining,
    };
  }

  /** How many items are pending. */
  remaining(): Promise<number> {
    return this.source.countPendingReviews(this.filter);
  }
}
