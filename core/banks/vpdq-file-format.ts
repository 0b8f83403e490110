import { wordsToPdqHex } from '../hash/hamming';
import type { BankFileOptions, ParsedBankFile } from './bank-file';
import { compactEntry } from './bank-file';
import type { BankEntry } from './hash-bank';
import { formatVpdqValue, parseVpdqValue } from './vpdq-value';

/** A reference vPDQ hasher output line: `frameNumber,quality,pdqHex,timestampSeconds`. */
export const VPDQ_LINE = /^\s*\d+,\d+,[0-9a-fA-F]{64},[0-9.]+\s*$/;

/**
 * The reference vPDQ hasher's output for one video (one `frameNumber,quality,pdqHex,timestampSeconds` line per
 * frame): one `vpdq` bank entry, labelled with the options' label and source.
 */
export function parseVpdqFile(text: string, options: BankFileOptions = {}): ParsedBankFile {
  const frames = parseVpdqValue(text.replace(/^\uFEFF/, ''));
  if (!frames) {
    return {
      entries: [],
      problems: [{ line: 1, message: 'not a vPDQ hash file (frameNumber,quality,pdqHex,timestamp lines)' }],
      skipped: 0,
    };
  }
  const entry = compactEntry({
    hash: formatVpdqValue(frames),
    kind: 'vpdq',
    label: options.label,
    source: options.source,
  });
  return { entries: [entry], problems: [], skipped: 0 };
}

/**
 * One `vpdq` entry as the reference hasher's lines (frame numbers are the frames' positions in the stored value).
 *
 * @throws RangeError unless `entries` holds exactly one `vpdq` entry: the format describes one video
 */
export function formatVpdqFile(entries: Iterable<BankEntry>): string {
  const list = [...entries];
  const only = list[0];
  if (list.length !== 1 || only?.kind !== 'vpdq') {
    throw new RangeError(
      `the vpdq format holds one video's hashes; got ${list.length} entries (use hma or csv)`,
    );
  }
  return (parseVpdqValue(only.hash) ?? [])
    .map((f) => `${f.frame},${f.quality},${wordsToPdqHex(f.hash)},${f.timestamp.toFixed(3)}\n`)
    .join('');
}
