import { CATEGORY_DECISIONS, type CategoryDecision, type Decision, type Verdict } from '../verdict/verdict';

/** Counts of items by their decision before (rows) and after (columns). */
export type ConfusionTable<D extends string> = Record<D, Record<D, number>>;

/** An all-zero table over `labels`. */
export function emptyTable<D extends string>(labels: readonly D[]): ConfusionTable<D> {
  const table = {} as ConfusionTable<D>;
  for (const row of labels) {
    table[row] = {} as Record<D, number>;
    for (const col of labels) table[row][col] = 0;
  }
  return table;
}

/** The item decisions a decision table has, `error` included. */
export const ITEM_DECISIONS: readonly Decision[] = ['allow', 'review', 'block', 'error'];

/** A category's decision in a verdict; a category the verdict does not list scored nothing, so it is `allow`. */
export function categoryDecision(verdict: Verdict, category: string): CategoryDecision {
  let worst: CategoryDecision = 'allow';
  for (const c of verdict.categories) {
    if (c.id === category && CATEGORY_DECISIONS.indexOf(c.decision) > CATEGORY_DECISIONS.indexOf(worst)) {
      worst = c.decision;
    }
  }
  return worst;
}

/**
 * Confusion tables between two verdicts of the same items: one for the item decision and one per category
 * (allow / review / block). Error verdicts count in the decision table only; they have no category results.
 */
export class ConfusionTables {
  readonly decisions: ConfusionTable<Decision> = emptyTable(ITEM_DECISIONS);
  private readonly perCategory = new Map<string, ConfusionTable<CategoryDecision>>();

  /** @param categories Categories that get a table even when no item flags them, in this order. */
  constructor(categories: readonly string[] = []) {
    for (const c of categories) this.perCategory.set(c, emptyTable(CATEGORY_DECISIONS));
  }

  /** Counts one item's pair of verdicts. */
  add(before: Verdict, after: Verdict): void {
    this.decisions[before.decision][after.decision]++;
    if (before.decision === 'error' || after.decision === 'error') return;
    for (const c of [...before.categories, ...after.categories]) {
      if (!this.perCategory.has(c.id)) this.perCategory.set(c.id, emptyTable(CATEGORY_DECISIONS));
    }
    for (const [id, table] of this.perCategory) {
      table[categoryDecision(before, id)][categoryDecision(after, id)]++;
    }
  }

  /**
   * The per-category tables. Items counted before a category first appeared scored nothing in it, so their
   * allow → allow cell is filled in from the decision table's non-error total.
   */
  categories(): Record<string, ConfusionTable<CategoryDecision>> {
    const decided = CATEGORY_DECISIONS.reduce(
      (n, row) => n + CATEGORY_DECISIONS.reduce((m, col) => m + this.decisions[row][col], 0),
      0,
    );
    const out: Record<string, ConfusionTable<CategoryDecision>> = {};
    for (const [id, table] of this.perCategory) {
      const counted = CATEGORY_DECISIONS.reduce(
        (n, row) => n + CATEGORY_DECISIONS.reduce((m, col) => m + table[row][col], 0),
        0,
      );
      const copy = emptyTable(CATEGORY_DECISIONS);
      for (const row of CATEGORY_DECISIONS)
        for (const col of CATEGORY_DECISIONS) copy[row][col] = table[row][col];
      copy.allow.allow += decided - counted;
      out[id] = copy;
    }
    return out;
  }
}
