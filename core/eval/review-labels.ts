import type { ReviewStore } from '../ports/review-store';
import type { VerdictStore } from '../ports/verdict-store';
import type { Label, LabelledItem } from './labelled-item';
import type { ScoredItem } from './score-items';
import { splitOf } from './split';

/** The dataset name review labels are split under. */
export const REVIEWS_DATASET = 'reviews';

/** Labelled, scored rows built from the review log. */
export interface ReviewLabels {
  readonly scored: ScoredItem[];
  /** Categories some decision named, in first-seen order. */
  readonly categories: string[];
  /** Decisions whose verdict is no longer stored (or was an error), left out. */
  readonly missingVerdicts: number;
}

/**
 * Turns the latest review decision per item and policy version into labelled rows scored by the verdict that was
 * reviewed: a `block` makes the decision's categories positive, an `allow` makes them negative; other categories
 * stay unknown. The split is drawn from the item's URI, so one item's decisions under several policy versions
 * stay on one side.
 */
export async function reviewLabels(
  reviews: Pick<ReviewStore, 'latest'>,
  verdicts: Pick<VerdictStore, 'get'>,
): Promise<ReviewLabels> {
  const scored: ScoredItem[] = [];
  const categories: string[] = [];
  let missingVerdicts = 0;
  for (const d of await reviews.latest()) {
    const verdict = await verdicts.get(d.uri, d.policyVersion);
    if (!verdict || verdict.decision === 'error') {
      missingVerdicts++;
      continue;
    }
    const labels: Record<string, Label> = {};
    for (const c of d.categories) {
      labels[c] = d.decision === 'block' ? 1 : 0;
      if (!categories.includes(c)) categories.push(c);
    }
    const item: LabelledItem = {
      id: `${d.uri}@${d.policyVersion}`,
      uri: d.uri,
      labels,
      group: d.uri,
      split: splitOf(REVIEWS_DATASET, d.uri),
    };
    scored.push({ item, scores: Object.fromEntries(verdict.categories.map((c) => [c.id, c.score])) });
  }
  return { scored, categories, missingVerdicts };
}
