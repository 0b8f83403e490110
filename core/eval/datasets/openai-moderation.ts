import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { DatasetError } from '../eval-errors';
import type { Label, LabelledDataset, LabelledItem } from '../labelled-item';
import { splitOf } from '../split';

/** Name of the OpenAI moderation evaluation set (Markov et al. 2022), also the split seed. */
export const OPENAI_MODERATION = 'openai-moderation';

/** The set's eight label keys. */
export const OPENAI_KEYS = ['S', 'H', 'V', 'HR', 'SH', 'S3', 'H2', 'V2'] as const;
export type OpenAiKey = (typeof OPENAI_KEYS)[number];

/** Winnow categories the set labels, each with its primary key and the sub-keys that imply it. */
export const OPENAI_CATEGORY_KEYS: Readonly<
  Record<string, { primary: OpenAiKey; sub: readonly OpenAiKey[] }>
> = {
  sexual: { primary: 'S', sub: ['S3'] },
  hate: { primary: 'H', sub: ['H2'] },
  violence: { primary: 'V', sub: ['V2'] },
  harassment: { primary: 'HR', sub: [] },
  'self-harm': { primary: 'SH', sub: [] },
};

/** A row of the OpenAI set, with its eight source labels kept as they were (`null` where the key is missing). */
export interface OpenAiModerationItem extends LabelledItem {
  readonly sourceLabels: Readonly<Record<OpenAiKey, Label>>;
}

/**
 * A Winnow category's label from the source keys: 1 when any of its keys is 1; 0 when the primary key is known
 * to be 0 and no sub-key is 1; otherwise unknown. A missing key is unknown, never 0 (the set's own rule).
 */
export function openAiCategoryLabel(source: Readonly<Record<OpenAiKey, Label>>, category: string): Label {
  const keys = OPENAI_CATEGORY_KEYS[category];
  if (!keys) return null;
  if (source[keys.primary] === 1 || keys.sub.some((k) => source[k] === 1)) return 1;
  return source[keys.primary] === 0 ? 0 : null;
}

/** Parses the set's JSON lines (already unpacked). Row ids are the 1-based line numbers. */
export function parseOpenAiModeration(jsonl: string, name = OPENAI_MODERATION): LabelledDataset {
  const items: OpenAiModerationItem[] = [];
  const lines = jsonl.split('\n');
  lines.forEach((line, index) => {
    if (line.trim() === '') return;
    const where = `${name} line ${index + 1}`;
    let row: Record<string, unknown>;
    try {
      row = JSON.parse(line) as Record<string, unknown>;
    } catch (err) {
      throw new DatasetError(`${where} is not JSON`, { cause: err });
    }
    if (typeof row.prompt !== 'string') throw new DatasetError(`${where} has no "prompt" string`);
    const source = {} as Record<OpenAiKey, Label>;
    for (const key of OPENAI_KEYS) {
      const v = row[key];
      if (v !== undefined && v !== 0 && v !== 1) throw new DatasetError(`${where}: "${key}" is not 0 or 1`);
      source[key] = v === undefined ? null : v;
    }
    const id = String(index + 1);
    const labels: Record<string, Label> = {};
    for (const category of Object.keys(OPENAI_CATEGORY_KEYS))
      labels[category] = openAiCategoryLabel(source, category);
    items.push({
      id,
      text: row.prompt,
      labels,
      language: 'en',
      split: splitOf(name, id),
      sourceLabels: source,
    });
  });
  return { name, categories: Object.keys(OPENAI_CATEGORY_KEYS), items };
}

/** Reads the set from its file (`samples-1680.jsonl.gz` as published, or unpacked JSON lines). */
export async function loadOpenAiModeration(file: string): Promise<LabelledDataset> {
  const bytes = await readFile(file);
  const gzipped = bytes[0] === 0x1f && bytes[1] === 0x8b;
  let text: string;
  try {
    text = (gzipped ? gunzipSync(bytes) : bytes).toString('utf8');
  } catch (err) {
    throw new DatasetError(`${file} is not a readable gzip file`, { cause: err });
  }
  return parseOpenAiModeration(text);
}
