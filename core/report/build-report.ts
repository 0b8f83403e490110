import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { formatCount } from './format-values';
import { type ItemContent, loadItemContent } from './item-content';
import { readRunDir, readVerdictLines } from './read-run-dir';
import { type ReportPage, renderReportEnd, renderReportStart } from './render-html';
import { renderItemCard } from './render-item-card';
import {
  type CardEntry,
  DEFAULT_REPORT_LIMITS,
  ReportAggregator,
  type ReportLimits,
  type ReportModel,
} from './report-model';

/** Options for {@link buildReport}. */
export interface BuildReportOptions {
  readonly runDir: string;
  /** Where to write; default `<runDir>/report.html`. */
  readonly outFile?: string;
  readonly limits?: Partial<ReportLimits>;
  /** Read item content (text, thumbnails, media length); false makes a report of verdicts alone. Default true. */
  readonly content?: boolean;
  /** Relative item paths are resolved against it; default the working directory. */
  readonly baseDir?: string;
  /** Longest side of thumbnails, pixels; default 320. */
  readonly thumbnailMaxSide?: number;
  /** The scan policy's `video.frameMaxSide` (default 640), which video region boxes are relative to. */
  readonly frameMaxSide?: number;
  /** Cards whose content is read at once; default 4. */
  readonly concurrency?: number;
  readonly ffmpegPath?: string;
  /** The report's timestamp; default now. */
  readonly now?: Date;
}

/** What {@link buildReport} wrote. */
export interface BuildReportResult {
  readonly file: string;
  readonly bytes: number;
  /** Valid verdicts read (0 for an eval-only directory). */
  readonly items: number;
  readonly tableRows: number;
  readonly cards: number;
  readonly thumbnails: number;
  readonly evaluation: boolean;
}

/** Maps `items` with at most `limit` in flight, handing results to `sink` in input order. */
async function forEachOrdered<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<R>,
  sink: (result: R) => Promise<void>,
): Promise<void> {
  const pending: Promise<R>[] = [];
  let next = 0;
  const start = () => {
    while (next < items.length && pending.length < limit) pending.push(work(items[next++] as T));
  };
  start();
  while (pending.length > 0) {
    const result = await (pending.shift() as Promise<R>);
    start();
    await sink(result);
  }
}

/**
 * Writes one self-contained HTML report of a run directory: counts and charts over every verdict (streamed, so
 * any size of run), eval results when `eval.json` is there, a filterable item table and evidence cards with the
 * items' content, within {@link ReportLimits}. The file is written under a temporary name and renamed into place.
 *
 * @throws RunDirError when the directory is missing or holds neither verdicts nor eval results
 */
export async function buildReport(options: BuildReportOptions): Promise<BuildReportResult> {
  const runDir = resolve(options.runDir);
  const dir = await readRunDir(runDir);
  const limits: ReportLimits = { ...DEFAULT_REPORT_LIMITS, ...options.limits };
  let model: ReportModel | undefined;
  if (dir.verdictsFile) {
    const agg = new ReportAggregator(limits);
    for await (const line of readVerdictLines(dir.verdictsFile)) {
      if (line.kind === 'verdict') agg.add(line.verdict);
      else agg.addInvalid();
    }
    model = agg.finish();
  }
  const page: ReportPage = {
    runName: basename(runDir),
    ...(model ? { model } : {}),
    ...(dir.summary ? { summary: dir.summary } : {}),
    ...(dir.evaluation ? { evaluation: dir.evaluation } : {}),
    problems: dir.problems,
    generatedAt: (options.now ?? new Date()).toISOString(),
  };

  const file = resolve(options.outFile ?? join(runDir, 'report.html'));
  const tmp = `${file}.${process.pid}.tmp`;
  const out = createWriteStream(tmp);
  let bytes = 0;
  const write = async (chunk: string) => {
    bytes += Buffer.byteLength(chunk);
    if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
  };
  const withContent = options.content ?? true;
  let thumbnails = 0;
  let allowedThumbBytes = 0;
  let thumbsLeftOut = 0;
  let excerpts = 0;
  try {
    await write(renderReportStart(page));
    const cards = model?.cards ?? [];
    await forEachOrdered(
      cards,
      Math.max(1, options.concurrency ?? 4),
      async (card: CardEntry): Promise<[CardEntry, ItemContent]> => {
        if (!withContent) return [card, { notes: [] }];
        const flagged = card.verdict.decision !== 'allow';
        const thumbnail = flagged || allowedThumbBytes < limits.allowedThumbnailBytes;
        const content = await loadItemContent(card.verdict, {
          baseDir: options.baseDir ?? process.cwd(),
          textExcerptChars: limits.textExcerptChars,
          thumbnail,
          thumbnailMaxSide: options.thumbnailMaxSide ?? 320,
          frameMaxSide: options.frameMaxSide ?? 640,
          ...(options.ffmpegPath ? { ffmpegPath: options.ffmpegPath } : {}),
        });
        if (content.thumbnail && !flagged) allowedThumbBytes += content.thumbnail.bytes;
        return [card, content];
      },
      async ([card, content]) => {
        if (content.thumbnail) thumbnails++;
        if (!content.thumbnail && content.notes.some((n) => n.startsWith('Thumbnail left out')))
          thumbsLeftOut++;
        if (content.text && content.text.excerpt.length < content.text.totalChars) excerpts++;
        await write(renderItemCard(card.verdict, content, { index: card.index }));
      },
    );
    const notes: string[] = [];
    if (model) {
      notes.push(
        `Item table: at most ${formatCount(limits.tableRows)} rows (flagged and errored items first); this report lists ${formatCount(
          model.table.length,
        )} of ${formatCount(model.items)}.`,
        `Evidence cards: at most ${formatCount(limits.flaggedCards)} flagged or errored items and ${formatCount(
          limits.allowedCards,
        )} allowed ones; this report has ${formatCount(model.cards.length)}.`,
        `Text: the first ${formatCount(limits.textExcerptChars)} characters of each item${
          excerpts ? `; ${formatCount(excerpts)} item(s) were cut` : ''
        }.`,
        `Thumbnails: at most ${options.thumbnailMaxSide ?? 320} px, JPEG; allowed items share a budget of ${Math.round(
          limits.allowedThumbnailBytes / 1024 / 1024,
        )} MiB${thumbsLeftOut ? `, and ${formatCount(thumbsLeftOut)} were left out when it ran out` : ''}.`,
      );
      if (!withContent) notes.push('Item content was not read (--no-content): cards show verdicts only.');
    }
    await write(renderReportEnd(page, notes));
    await new Promise<void>((res, rej) => out.end((err?: Error | null) => (err ? rej(err) : res())));
    await rename(tmp, file);
  } catch (err) {
    out.destroy();
    await rm(tmp, { force: true });
    throw err;
  }
  return {
    file,
    bytes,
    items: model?.items ?? 0,
    tableRows: model?.table.length ?? 0,
    cards: model?.cards.length ?? 0,
    thumbnails,
    evaluation: dir.evaluation !== undefined,
  };
}
