import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Logger } from '../logging/logger';
import type { ReviewDecision, ReviewStore } from '../ports/review-store';
import type { VerdictStore } from '../ports/verdict-store';
import type { Verdict } from '../verdict/verdict';
import { InvalidReviewRequestError, ReviewItemNotFoundError } from './review-errors';
import { decodeReviewItemId, type ReviewItemKey } from './review-item-id';
import { flaggedCategories } from './review-queue';

/** Longest reason a reviewer may give, in UTF-16 code units. */
export const MAX_REASON_LENGTH = 2000;
/** Longest reviewer name. */
export const MAX_REVIEWER_LENGTH = 100;

/** Control characters other than tab and newline: they have no place in a reason or a name. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029]/;

/** The body of a decision request, as a client sends it. */
const DecisionRequestSchema = z
  .object({
    id: z.string().max(16_384),
    decision: z.enum(['allow', 'block']),
    categories: z.array(z.string().max(128)).max(64).optional(),
    reason: z.string().max(MAX_REASON_LENGTH * 2),
  })
  .strict();

/** What a reviewer submits for one queue item. */
export type DecisionRequest = z.infer<typeof DecisionRequestSchema>;

/** A short, stable stand-in for a URI in logs: URIs can carry names that identify people. */
export function uriHash(uri: string): string {
  return createHash('sha256').update(uri, 'utf8').digest('hex').slice(0, 16);
}

/** A reviewer name as given, trimmed; throws {@link InvalidReviewRequestError} when it is unusable. */
export function validateReviewerName(name: string): string {
  const trimmed = name.trim();
  if (
    trimmed === '' ||
    trimmed.length > MAX_REVIEWER_LENGTH ||
    CONTROL.test(trimmed) ||
    /[\t\n]/.test(trimmed)
  ) {
    throw new InvalidReviewRequestError(
      `the reviewer name must be 1-${MAX_REVIEWER_LENGTH} printable characters on one line`,
    );
  }
  return trimmed;
}

/** A reason as it will be stored: line ends unified, trimmed; throws when empty, too long or holding controls. */
export function validateReason(reason: string): string {
  const text = reason.replace(/\r\n?/g, '\n').trim();
  if (text === '') throw new InvalidReviewRequestError('a reason is required');
  if (text.length > MAX_REASON_LENGTH) {
    throw new InvalidReviewRequestError(`the reason is longer than ${MAX_REASON_LENGTH} characters`);
  }
  if (CONTROL.test(text)) throw new InvalidReviewRequestError('the reason holds control characters');
  return text;
}

/**
 * The categories a decision covers: the ones asked for, each of which must be one of the verdict's categories,
 * in the verdict's order; by default the verdict's flagged ones. At least one.
 */
export function decisionCategories(verdict: Verdict, requested: readonly string[] | undefined): string[] {
  const known = verdict.categories.map((c) => c.id);
  if (requested === undefined) {
    const flagged = new Set(flaggedCategories(verdict).map((c) => c.id));
    return known.filter((id) => flagged.has(id));
  }
  const unknown = requested.filter((id) => !known.includes(id));
  if (unknown.length > 0) {
    throw new InvalidReviewRequestError(
      `categories must be among the verdict's (${known.join(', ')}); not ${unknown.map((c) => JSON.stringify(c)).join(', ')}`,
    );
  }
  const chosen = known.filter((id) => requested.includes(id));
  if (chosen.length === 0) throw new InvalidReviewRequestError('choose at least one category');
  return chosen;
}

/** What {@link ReviewDecisionService} needs. */
export interface ReviewDecisionServiceOptions {
  readonly verdicts: VerdictStore;
  readonly reviews: ReviewStore;
  /** Who decides; every decision made through this service carries the name. */
  readonly reviewer: string;
  /** The clock; decisions are stamped with its time. */
  readonly now?: () => Date;
  readonly logger?: Logger;
}

/**
 * Validates and records reviewer decisions. The reviewer and the time come from the service, never from the
 * request. Each decision is logged with a hash of the URI, the policy version, decision, categories and reviewer;
 * the reason is not logged, because reviewers quote the content in it.
 */
export class ReviewDecisionService {
  readonly reviewer: string;
  private readonly now: () => Date;

  constructor(private readonly options: ReviewDecisionServiceOptions) {
    this.reviewer = validateReviewerName(options.reviewer);
    this.now = options.now ?? (() => new Date());
  }

  /** The verdict a queue id names; {@link ReviewItemNotFoundError} when there is none. */
  async verdictFor(id: string): Promise<{ key: ReviewItemKey; verdict: Verdict }> {
    const key = decodeReviewItemId(id);
    if (!key) throw new InvalidReviewRequestError('invalid item id');
    const verdict = await this.options.verdicts.get(key.uri, key.policyVersion);
    if (!verdict) throw new ReviewItemNotFoundError('no verdict for this item and policy version');
    return { key, verdict };
  }

  /**
   * Validates a request (any JSON value) and records the decision. The verdict must exist and be a `review`
   * verdict; a second decision on the same item is recorded too, and the latest counts.
   */
  async decide(body: unknown): Promise<ReviewDecision> {
    const parsed = DecisionRequestSchema.safeParse(body);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`);
      throw new InvalidReviewRequestError(`invalid decision: ${problems.join('; ')}`);
    }
    const request = parsed.data;
    const reason = validateReason(request.reason);
    const { key, verdict } = await this.verdictFor(request.id);
    if (verdict.decision !== 'review') {
      throw new InvalidReviewRequestError(`the verdict is "${verdict.decision}", not "review"`);
    }
    const decision: ReviewDecision = {
      uri: key.uri,
      policyVersion: key.policyVersion,
      decision: request.decision,
      categories: decisionCategories(verdict, request.categories),
      reason,
      reviewer: this.reviewer,
      decidedAt: this.now().toISOString(),
    };
    await this.options.reviews.record(decision);
    this.options.logger?.info('review decision recorded', {
      item: uriHash(decision.uri),
      policyVersion: decision.policyVersion,
      decision: decision.decision,
      categories: decision.categories,
      reviewer: decision.reviewer,
    });
    return decision;
  }
}
