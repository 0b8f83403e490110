import type { CategoryResult, Decision, Verdict } from '../verdict/verdict';

/** Bounds on what one report holds, so a 100k-item run still makes a file a browser opens. */
export interface ReportLimits {
  /** Rows in the item table; flagged and errored items are kept first, then allowed ones in file order. */
  readonly tableRows: number;
  /** Evidence cards for flagged (review, block) and errored items, in file order. */
  readonly flaggedCards: number;
  /** Evidence cards for allowed items, in file order. */
  readonly allowedCards: number;
  /** UTF-16 code units of item text shown per card. */
  readonly textExcerptChars: number;
  /** Bytes of thumbnails embedded for allowed items, all together (flagged items always get theirs). */
  readonly allowedThumbnailBytes: number;
}

/** The defaults: about 10–20 MB of HTML at most. */
export const DEFAULT_REPORT_LIMITS: ReportLimits = {
  tableRows: 5000,
  flaggedCards: 500,
  allowedCards: 100,
  textExcerptChars: 20_000,
  allowedThumbnailBytes: 4 * 1024 * 1024,
};

/** One row of the item table. */
export interface TableRow {
  /** 1-based position of the verdict in `verdicts.jsonl` (valid verdicts only). */
  readonly index: number;
  readonly uri: string;
  readonly media: string;
  readonly format: string;
  readonly bytes: number;
  readonly decision: Decision;
  /** Categories at review or block, highest score first. */
  readonly flagged: readonly CategoryResult[];
  readonly tier: string;
  readonly cached: boolean;
  readonly errorCode?: string;
  /** Whether the report has an evidence card for this item. */
  hasCard: boolean;
}

/** Per category: items it flagged and items it scored at all. */
export interface CategoryCount {
  readonly id: string;
  review: number;
  block: number;
  scored: number;
}

/** A signal label that flagged items, counted once per item. */
export interface SignalCount {
  readonly category: string;
  readonly label: string;
  readonly items: number;
}

/** An item chosen for an evidence card. */
export interface CardEntry {
  readonly index: number;
  readonly verdict: Verdict;
}

/** Everything a report shows about a run's verdicts. Counts cover every line; table and cards are bounded. */
export interface ReportModel {
  readonly items: number;
  /** Lines of `verdicts.jsonl` that were not valid v1 verdicts (not counted in `items`). */
  readonly invalidLines: number;
  readonly decisions: Readonly<Record<Decision, number>>;
  readonly media: Readonly<Record<string, number>>;
  readonly tiers: Readonly<Record<string, number>>;
  readonly cached: number;
  /** Most flagged first. */
  readonly categories: readonly CategoryCount[];
  /** Error codes, most frequent first. */
  readonly errors: readonly { readonly code: string; readonly items: number }[];
  /** Labels behind flags, most frequent first (at most 20). */
  readonly topSignals: readonly SignalCount[];
  readonly policies: readonly { readonly id: string; readonly version: string; readonly items: number }[];
  readonly runIds: readonly string[];
  readonly firstCreatedAt?: string;
  readonly lastCreatedAt?: string;
  /** Table rows in file order. */
  readonly table: readonly TableRow[];
  /** Cards: block, then review, then error, then allow; file order within each. */
  readonly cards: readonly CardEntry[];
  /** Flagged or errored items beyond the card limit. */
  readonly flaggedWithoutCard: number;
  readonly limits: ReportLimits;
}

const SEVERITY: Readonly<Record<Decision, number>> = { block: 0, review: 1, error: 2, allow: 3 };
/** Distinct keys kept in the open-ended tallies (labels, policies, run ids), so hostile input stays bounded. */
const MAX_KEYS = 10_000;

function bump(map: Map<string, number>, key: string, by = 1): void {
  if (map.has(key) || map.size < MAX_KEYS) map.set(key, (map.get(key) ?? 0) + by);
}

function decisionRank(d: Decision): number {
  return SEVERITY[d];
}

/**
 * Builds a {@link ReportModel} one verdict at a time. Counts are exact over every verdict; the table and the
 * cards keep only what the limits allow, preferring flagged and errored items.
 */
export class ReportAggregator {
  private items = 0;
  private invalid = 0;
  private cachedCount = 0;
  private readonly decisions: Record<Decision, number> = { allow: 0, review: 0, block: 0, error: 0 };
  private readonly media = new Map<string, number>();
  private readonly tiers = new Map<string, number>();
  private readonly categories = new Map<string, CategoryCount>();
  private readonly errors = new Map<string, number>();
  private readonly signals = new Map<string, number>();
  private readonly policies = new Map<string, number>();
  private readonly runIds = new Map<string, number>();
  private first?: string;
  private last?: string;
  private readonly flaggedRows: TableRow[] = [];
  private readonly allowedRows: TableRow[] = [];
  private readonly cards: CardEntry[] = [];
  private flaggedCards = 0;
  private allowedCards = 0;
  private flaggedWithoutCard = 0;

  constructor(private readonly limits: ReportLimits = DEFAULT_REPORT_LIMITS) {}

  /** Counts a line that was not a valid verdict. */
  addInvalid(): void {
    this.invalid++;
  }

  /** Adds one verdict, in file order. */
  add(v: Verdict): void {
    const index = ++this.items;
    this.decisions[v.decision]++;
    bump(this.media, v.item.media);
    bump(this.tiers, v.tier);
    if (v.cached) this.cachedCount++;
    if (v.error) bump(this.errors, v.error.code);
    bump(this.policies, `${v.policy.id}\u0000${v.policy.version}`);
    if (v.runId) bump(this.runIds, v.runId);
    if (this.first === undefined || v.createdAt < this.first) this.first = v.createdAt;
    if (this.last === undefined || v.createdAt > this.last) this.last = v.createdAt;

    const flaggedIds = new Set<string>();
    for (const c of v.categories) {
      let entry = this.categories.get(c.id);
      if (!entry) {
        if (this.categories.size >= MAX_KEYS) continue;
        entry = { id: c.id, review: 0, block: 0, scored: 0 };
        this.categories.set(c.id, entry);
      }
      entry.scored++;
      if (c.decision !== 'allow') {
        entry[c.decision]++;
        flaggedIds.add(c.id);
      }
    }
    const labels = new Set<string>();
    for (const s of v.signals)
      if (s.category !== null && flaggedIds.has(s.category)) labels.add(`${s.category}\u0000${s.label}`);
    for (const key of labels) bump(this.signals, key);

    const flagged = v.decision !== 'allow';
    const row: TableRow = {
      index,
      uri: v.item.uri,
      media: v.item.media,
      format: v.item.format,
      bytes: v.item.bytes,
      decision: v.decision,
      flagged: v.categories.filter((c) => c.decision !== 'allow').sort((a, b) => b.score - a.score),
      tier: v.tier,
      cached: v.cached,
      ...(v.error ? { errorCode: v.error.code } : {}),
      hasCard: false,
    };
    const rows = flagged ? this.flaggedRows : this.allowedRows;
    if (rows.length < this.limits.tableRows) rows.push(row);

    if (flagged) {
      if (this.flaggedCards < this.limits.flaggedCards) {
        this.flaggedCards++;
        this.cards.push({ index, verdict: v });
      } else this.flaggedWithoutCard++;
    } else if (this.allowedCards < this.limits.allowedCards) {
      this.allowedCards++;
      this.cards.push({ index, verdict: v });
    }
  }

  /** The model, once every line has been added. */
  finish(): ReportModel {
    const carded = new Set(this.cards.map((c) => c.index));
    const room = Math.max(0, this.limits.tableRows - this.flaggedRows.length);
    const table = [...this.flaggedRows, ...this.allowedRows.slice(0, room)].sort((a, b) => a.index - b.index);
    for (const row of table) row.hasCard = carded.has(row.index);
    const byCount = (a: [string, number], b: [string, number]) => b[1] - a[1] || a[0].localeCompare(b[0]);
    return {
      items: this.items,
      invalidLines: this.invalid,
      decisions: { ...this.decisions },
      media: Object.fromEntries([...this.media].sort(byCount)),
      tiers: Object.fromEntries([...this.tiers].sort(byCount)),
      cached: this.cachedCount,
      categories: [...this.categories.values()].sort(
        (a, b) =>
          b.block + b.review - (a.block + a.review) || b.scored - a.scored || a.id.localeCompare(b.id),
      ),
      errors: [...this.errors].sort(byCount).map(([code, items]) => ({ code, items })),
      topSignals: [...this.signals]
        .sort(byCount)
        .slice(0, 20)
        .map(([key, items]) => {
          const [category, label] = key.split('\u0000') as [string, string];
          return { category, label, items };
        }),
      policies: [...this.policies].sort(byCount).map(([key, items]) => {
        const [id, version] = key.split('\u0000') as [string, string];
        return { id, version, items };
      }),
      runIds: [...this.runIds].sort(byCount).map(([id]) => id),
      ...(this.first !== undefined ? { firstCreatedAt: this.first } : {}),
      ...(this.last !== undefined ? { lastCreatedAt: this.last } : {}),
      table,
      cards: [...this.cards].sort(
        (a, b) => decisionRank(a.verdict.decision) - decisionRank(b.verdict.decision) || a.index - b.index,
      ),
      flaggedWithoutCard: this.flaggedWithoutCard,
      limits: this.limits,
    };
  }
}
