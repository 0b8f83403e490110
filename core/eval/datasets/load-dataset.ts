import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { DatasetError } from '../eval-errors';
import type { LabelledDataset } from '../labelled-item';
import { csvHeader } from './csv-records';
import { loadDavidson } from './davidson';
import { loadJsonlDataset, readJsonlText } from './jsonl-dataset';
import { hateCheckLanguage, loadHateCheck } from './multilingual-hatecheck';
import { loadOpenAiModeration } from './openai-moderation';
import { sharedDataDir, sharedDatasetPath } from './shared-data';

/** Options of {@link loadDataset}. */
export interface LoadDatasetOptions {
  /** The shared data folder the set names resolve under (default {@link sharedDataDir}). */
  readonly sharedDataDir?: string;
}

/** The formats {@link loadDataset} reads. */
export type DatasetFormat = 'jsonl' | 'openai-moderation' | 'davidson' | 'multilingual-hatecheck';

/**
 * Loads a labelled set by name or path:
 * - `openai-moderation`, `davidson`, `multilingual-hatecheck`: the shared copies under `<shared>/data/text`;
 * - a folder or file of one of those sets, recognised by its file names or its header;
 * - any other `.jsonl` or `.jsonl.gz` file: the generic format (`core/eval/datasets/jsonl-dataset.ts`).
 *
 * Every row gets its deterministic split (`core/eval/split.ts`) unless the generic file names one.
 */
export async function loadDataset(
  nameOrPath: string,
  options: LoadDatasetOptions = {},
): Promise<LabelledDataset> {
  const shared = sharedDatasetPath(nameOrPath, options.sharedDataDir ?? sharedDataDir());
  const path = shared ?? nameOrPath;
  let isDirectory: boolean;
  try {
    isDirectory = (await stat(path)).isDirectory();
  } catch (err) {
    const hint = shared ? ` (the shared data folder is ${options.sharedDataDir ?? sharedDataDir()})` : '';
    throw new DatasetError(`dataset ${nameOrPath} not found at ${path}${hint}`, { cause: err });
  }
  const format = await detectFormat(path, isDirectory);
  switch (format) {
    case 'openai-moderation':
      return loadOpenAiModeration(isDirectory ? join(path, 'samples-1680.jsonl.gz') : path);
    case 'davidson':
      return loadDavidson(isDirectory ? join(path, 'labeled_data.csv') : path);
    case 'multilingual-hatecheck':
      return loadHateCheck(path, isDirectory);
    case 'jsonl':
      return loadJsonlDataset(path);
  }
}

/** Which format a path holds, from its file names and, for files, their first line. */
export async function detectFormat(path: string, isDirectory: boolean): Promise<DatasetFormat> {
  if (isDirectory) {
    const names = await readdir(path);
    if (names.includes('samples-1680.jsonl.gz')) return 'openai-moderation';
    if (names.includes('labeled_data.csv')) return 'davidson';
    if (names.some((n) => hateCheckLanguage(n) !== undefined)) return 'multilingual-hatecheck';
    throw new DatasetError(`${path} holds none of the known labelled sets`);
  }
  const name = basename(path).toLowerCase();
  if (name.endsWith('.csv')) {
    const header = csvHeader(await firstLine(path));
    if (header.includes('mhc_case_id') && header.includes('label_gold')) return 'multilingual-hatecheck';
    if (header.includes('class') && header.includes('tweet')) return 'davidson';
    throw new DatasetError(
      `${path}: a CSV file that is neither Davidson's labeled_data.csv nor a HateCheck file`,
    );
  }
  if (/\.jsonl(\.gz)?$/.test(name)) {
    const first = (await readJsonlText(path)).split('\n', 1)[0] ?? '';
    if (looksLikeOpenAi(first)) return 'openai-moderation';
    return 'jsonl';
  }
  throw new DatasetError(`${path}: not a .jsonl, .jsonl.gz or .csv file, nor a known data set's folder`);
}

/** OpenAI's rows are `{prompt, S?, H?, ...}` with no `labels` object. */
function looksLikeOpenAi(line: string): boolean {
  try {
    const row = JSON.parse(line) as Record<string, unknown>;
    return typeof row.prompt === 'string' && row.labels === undefined;
  } catch {
    return false;
  }
}

/** The first line of a text file, read without loading the whole file. */
async function firstLine(path: string): Promise<string> {
  const stream = createReadStream(path, { encoding: 'utf8', highWaterMark: 64 * 1024 });
  let text = '';
  for await (const chunk of stream) {
    text += chunk;
    const nl = text.indexOf('\n');
    if (nl >= 0) {
      stream.destroy();
      return text.slice(0, nl);
    }
  }
  return text;
}
