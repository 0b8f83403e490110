import { createHash } from 'node:crypto';
import type { LabelledDataset, LabelledItem } from './labelled-item';
import type { SplitSelection } from './split';

/**
 * The rows of `split` (every row for `all`), and with `limit` at most that many: the rows whose
 * `sha256(dataset:id)` sorts first, kept in their original order, so a limited run is a deterministic sample spread
 * over the whole set (all languages of a multilingual set, say) rather than its first lines.
 */
export function selectRows(
  dataset: LabelledDataset,
  split: SplitSelection | readonly SplitSelection[],
  limit?: number,
): LabelledItem[] {
  const splits = new Set(Array.isArray(split) ? split : [split]);
  const rows = splits.has('all') ? [...dataset.items] : dataset.items.filter((i) => splits.has(i.split));
  if (limit === undefined || rows.length <= limit) return rows;
  const keyed = rows.map((item, index) => ({
    item,
    index,
    key: createHash('sha256').update(`${dataset.name}:${item.id}`).digest('hex'),
  }));
  keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return keyed
    .slice(0, limit)
    .sort((a, b) => a.index - b.index)
    .map((k) => k.item);
}
