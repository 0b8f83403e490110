import { readFile } from 'node:fs/promises';
import { DatasetError } from '../eval-errors';
import type { Label, LabelledDataset, LabelledItem } from '../labelled-item';
import { splitOf } from '../split';
import { csvObjects } from './csv-records';
import { decodeHtmlEntities } from './html-entities';

/** Name of the Davidson et al. (2017) hate and offensive language set, also the split seed. */
export const DAVIDSON = 'davidson';

/** The set's majority classes. */
export const DAVIDSON_CLASSES = { 0: 'hate', 1: 'offensive', 2: 'neither' } as const;

/** A row of the Davidson set with its majority class and how many annotators voted. */
export interface DavidsonItem extends LabelledItem {
  readonly sourceClass: 0 | 1 | 2;
  readonly annotators: number;
}

/** Columns the loader needs; the first, unnamed one is the row index. */
const REQUIRED = ['', 'count', 'class', 'tweet'];

/**
 * Parses `labeled_data.csv`: `hate` is 1 for class 0 (hate speech) and 0 otherwise; `profanity` is 1 for class 0
 * or 1 (hate or offensive language: both are overwhelmingly vulgar) and 0 for class 2 (neither). Tweets keep their
 * mentions, `RT` prefixes and URLs as posted; HTML entities such as `&amp;` are decoded. Row ids are the file's own
 * index column.
 */
export function parseDavidson(csv: string, name = DAVIDSON): LabelledDataset {
  const items: DavidsonItem[] = [];
  const seen = new Set<string>();
  for (const { record, row } of csvObjects(csv)) {
    if (row === 1) {
      const missing = REQUIRED.filter((c) => !(c in record));
      if (missing.length > 0)
        throw new DatasetError(`${name}: missing columns ${missing.map((c) => `"${c}"`).join(', ')}`);
    }
    const cls = Number(record.class);
    if (cls !== 0 && cls !== 1 && cls !== 2)
      throw new DatasetError(`${name} record ${row}: class is not 0, 1 or 2`);
    const id = record[''] !== '' && record[''] !== undefined ? (record[''] as string) : String(row);
    if (seen.has(id)) throw new DatasetError(`${name} record ${row}: duplicate row index`);
    seen.add(id);
    const labels: Record<string, Label> = { hate: cls === 0 ? 1 : 0, profanity: cls === 2 ? 0 : 1 };
    items.push({
      id,
      text: decodeHtmlEntities(record.tweet ?? ''),
      labels,
      language: 'en',
      split: splitOf(name, id),
      sourceClass: cls,
      annotators: Number(record.count),
    });
  }
  return { name, categories: ['hate', 'profanity'], items };
}

/** Reads `labeled_data.csv`. */
export async function loadDavidson(file: string): Promise<LabelledDataset> {
  return parseDavidson(await readFile(file, 'utf8'));
}
