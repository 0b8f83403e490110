import { Readable } from 'node:stream';
import { UnreadableItemError, WinnowError } from '../errors';
import type { ItemSource, ModerationEngine } from '../pipeline/moderation-engine';
import type { ItemResolver } from '../ports/item-resolver';
import { forEachBounded } from '../sweep/for-each-bounded';
import type { Verdict } from '../verdict/verdict';
import type { LabelledItem } from './labelled-item';

/** A labelled row with the engine's category scores, or the error code when it could not be moderated. */
export interface ScoredItem {
  readonly item: LabelledItem;
  /** Score per policy category (0 when no signal scored it); `null` for an `error` verdict. */
  readonly scores: Readonly<Record<string, number>> | null;
  readonly errorCode?: string;
}

/** Options of {@link scoreItems}. */
export interface ScoreItemsOptions {
  /** The engine a scan uses (`cli/local-engine.ts`'s fast tier locally). */
  readonly engine: Pick<ModerationEngine, 'moderate'>;
  /** The data set's name, for the URIs of in-memory texts. */
  readonly dataset: string;
  /** Opens rows that name a `uri`; without one such rows get an `error` verdict. */
  readonly resolver?: ItemResolver;
  /** Rows moderated at once (default 8). */
  readonly concurrency?: number;
  /** Called after each row, with the rows done so far and the total. */
  readonly onProgress?: (done: number, total: number) => void;
  /** Receives each row's verdict (to write them out), in completion order. */
  readonly onVerdict?: (verdict: Verdict, item: LabelledItem) => void;
  readonly runId?: string;
  readonly signal?: AbortSignal;
}

/** The verdict URI of an in-memory text row: `eval://<dataset>/<id>`, each part URI-encoded. */
export function textItemUri(dataset: string, id: string): string {
  return `eval://${encodeURIComponent(dataset)}/${encodeURIComponent(id)}`;
}

/** An {@link ItemSource} over a string held in memory, so texts are moderated with no temporary file. */
export function textSource(uri: string, text: string): ItemSource {
  const bytes = Buffer.from(text, 'utf8');
  return { uri, size: bytes.length, open: async () => Readable.from([bytes]) };
}

/**
 * Moderates every row through the engine, exactly as a scan would (sniffing, decoding, the policy's detectors and
 * thresholds, escalation), and keeps each category's score. Text rows are read from memory; `uri` rows through the
 * resolver. Results are in the rows' order.
 */
export async function scoreItems(
  items: readonly LabelledItem[],
  options: ScoreItemsOptions,
): Promise<ScoredItem[]> {
  const out = new Array<ScoredItem>(items.length);
  let done = 0;
  async function* indexes(): AsyncGenerator<number> {
    for (let i = 0; i < items.length; i++) {
      if (options.signal?.aborted) return;
      yield i;
    }
  }
  await forEachBounded(indexes(), options.concurrency ?? 8, async (i) => {
    const item = items[i] as LabelledItem;
    const verdict = await moderateRow(item, options);
    options.onVerdict?.(verdict, item);
    out[i] =
      verdict.decision === 'error'
        ? { item, scores: null, errorCode: verdict.error?.code ?? 'internal' }
        : { item, scores: Object.fromEntries(verdict.categories.map((c) => [c.id, c.score])) };
    options.onProgress?.(++done, items.length);
  });
  return out.filter((s) => s !== undefined);
}

async function moderateRow(item: LabelledItem, options: ScoreItemsOptions): Promise<Verdict> {
  const ctx = { runId: options.runId, signal: options.signal };
  if (item.text !== undefined) {
    return options.engine.moderate(textSource(textItemUri(options.dataset, item.id), item.text), ctx);
  }
  const uri = item.uri ?? '';
  let source: ItemSource;
  try {
    if (!options.resolver) throw new Error('no resolver for rows that name a uri');
    source = await options.resolver.resolve(uri);
  } catch (err) {
    // A URI the resolver refuses still gets its verdict, so the row is counted as an error, not dropped.
    const failure =
      err instanceof WinnowError ? err : new UnreadableItemError((err as Error).message, { cause: err });
    source = {
      uri,
      size: 0,
      open: async () => {
        throw failure;
      },
    };
  }
  return options.engine.moderate(source, ctx);
}
