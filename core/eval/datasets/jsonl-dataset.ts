import { readFile } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { z } from 'zod';
import { DatasetError } from '../eval-errors';
import type { Label, LabelledDataset, LabelledItem } from '../labelled-item';
import { splitOf } from '../split';

const slug = z.string().regex(/^[a-z][a-z0-9-]*$/, 'category ids use lowercase letters, digits and dashes');

/** One line of a generic labelled JSONL file. */
const RowSchema = z
  .object({
    id: z.union([z.string().min(1), z.number()]).optional(),
    text: z.string().optional(),
    uri: z.string().min(1).optional(),
    labels: z.record(slug, z.union([z.literal(0), z.literal(1), z.null()])),
    language: z.string().min(1).optional(),
    functionality: z.string().min(1).optional(),
    group: z.string().min(1).optional(),
    split: z.enum(['train', 'validation', 'test']).optional(),
  })
  .refine((r) => (r.text === undefined) !== (r.uri === undefined), {
    message: 'exactly one of "text" and "uri" is needed',
  });

/**
 * A URI with a scheme (`file://`, `s3://`) is kept; a plain path is taken relative to the JSONL file's folder and
 * becomes a `file://` URI.
 */
function resolveUri(uri: string, baseDir: string): string {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(uri) ? uri : pathToFileURL(resolve(baseDir, uri)).href;
}

/**
 * Parses generic labelled JSON lines, one `{id?, text | uri, labels: {category: 0 | 1 | null}, language?,
 * functionality?, group?, split?}` per line. Without `id` a row is named by its 1-based line number; without
 * `split` it gets the deterministic split of `name` and its group or id. The dataset's categories are every label
 * key, in order of first appearance; a row that omits a category has it unknown.
 */
export function parseJsonlDataset(text: string, name: string, baseDir = process.cwd()): LabelledDataset {
  const items: LabelledItem[] = [];
  const categories: string[] = [];
  const seen = new Set<string>();
  text.split('\n').forEach((line, index) => {
    if (line.trim() === '') return;
    const where = `${name} line ${index + 1}`;
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch (err) {
      throw new DatasetError(`${where} is not JSON`, { cause: err });
    }
    const parsed = RowSchema.safeParse(raw);
    if (!parsed.success) {
      const problems = parsed.error.issues
        .map((i) => `${i.path.length ? i.path.join('.') : '(row)'}: ${i.message}`)
        .join('; ');
      throw new DatasetError(`${where}: ${problems}`);
    }
    const row = parsed.data;
    const id = row.id === undefined ? String(index + 1) : String(row.id);
    if (seen.has(id)) throw new DatasetError(`${where}: duplicate id`);
    seen.add(id);
    for (const c of Object.keys(row.labels)) if (!categories.includes(c)) categories.push(c);
    items.push({
      id,
      ...(row.text !== undefined ? { text: row.text } : { uri: resolveUri(row.uri as string, baseDir) }),
      labels: row.labels as Record<string, Label>,
      ...(row.language ? { language: row.language } : {}),
      ...(row.functionality ? { functionality: row.functionality } : {}),
      ...(row.group ? { group: row.group } : {}),
      split: row.split ?? splitOf(name, row.group ?? id),
    });
  });
  return { name, categories, items: items.map((item) => withAllCategories(item, categories)) };
}

/** Every category appears in every row's labels, unknown (`null`) where the row did not say. */
function withAllCategories(item: LabelledItem, categories: readonly string[]): LabelledItem {
  if (categories.every((c) => c in item.labels)) return item;
  const labels: Record<string, Label> = {};
  for (const c of categories) labels[c] = item.labels[c] ?? null;
  return { ...item, labels };
}

/** The dataset name of a JSONL file: its base name without `.jsonl` or `.jsonl.gz`. */
export function jsonlDatasetName(file: string): string {
  return basename(file)
    .replace(/\.gz$/i, '')
    .replace(/\.jsonl$/i, '');
}

/** Reads a generic labelled `.jsonl` or `.jsonl.gz` file. */
export async function loadJsonlDataset(file: string): Promise<LabelledDataset> {
  return parseJsonlDataset(await readJsonlText(file), jsonlDatasetName(file), dirname(resolve(file)));
}

/** The text of a JSON-lines file, unpacked when it is gzipped (by its magic bytes, whatever its name). */
export async function readJsonlText(file: string): Promise<string> {
  const bytes = await readFile(file);
  if (bytes[0] !== 0x1f || bytes[1] !== 0x8b) return bytes.toString('utf8');
  try {
    return gunzipSync(bytes).toString('utf8');
  } catch (err) {
    throw new DatasetError(`${file} is not a readable gzip file`, { cause: err });
  }
}
