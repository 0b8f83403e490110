import { createHash } from 'node:crypto';
import type { Split } from './labelled-item';

/** Shares of the deterministic split: 70% train, 15% validation, 15% test. */
export const SPLIT_SHARES: Readonly<Record<Split, number>> = { train: 0.7, validation: 0.15, test: 0.15 };

/**
 * The split of a row, from `sha256(dataset + ':' + key)` where `key` is the row's group (a template) when it has
 * one, else its id. The first 32 bits of the hash, read as a fraction of 2^32, place the row: below 0.70 train,
 * below 0.85 validation, else test. The same row always lands in the same split on every machine, whatever order
 * or subset of rows is loaded, and rows sharing a group never straddle splits.
 */
export function splitOf(dataset: string, key: string): Split {
  const digest = createHash('sha256').update(`${dataset}:${key}`).digest();
  const u = digest.readUInt32BE(0) / 2 ** 32;
  if (u < SPLIT_SHARES.train) return 'train';
  if (u < SPLIT_SHARES.train + SPLIT_SHARES.validation) return 'validation';
  return 'test';
}

/** The values `--split` accepts: one split, or `all`. */
export type SplitSelection = Split | 'all';

/** Whether `value` names a split or `all`. */
export function isSplitSelection(value: string): value is SplitSelection {
  return value === 'train' || value === 'validation' || value === 'test' || value === 'all';
}
