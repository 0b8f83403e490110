import {
  type BankFileOptions,
  type BankFileProblem,
  compactEntry,
  fileLines,
  inferKind,
  type ParsedBankFile,
} from './bank-file';
import { type BankEntryKey, type NewBankEntry, normaliseHash } from './hash-bank';

/**
 * Parses plain hash lines: one hex hash per line, optionally followed by more fields after a comma or whitespace,
 * which are ignored. That covers bare lists and the reference PDQ hashers' `hash,quality[,filename]` output.
 * Blank lines and lines starting with `#` are skipped.
 */
export function parseHexLines(text: string, options: BankFileOptions = {}): ParsedBankFile {
  const entries: NewBankEntry[] = [];
  const problems: BankFileProblem[] = [];
  fileLines(text).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const token = line.split(/[\s,;]/, 1)[0] as string;
    const kind = inferKind(token, options);
    const hash = kind ? normaliseHash(kind, token) : undefined;
    if (!kind || !hash) {
      problems.push({
        line: i + 1,
        message: `not a ${options.kind ?? 'PDQ or MD5'} hex hash: ${token.slice(0, 80)}`,
      });
      return;
    }
    entries.push(compactEntry({ hash, kind, label: options.label, source: options.source }));
  });
  return { entries, problems, skipped: 0 };
}

/** One hash per line (kinds, labels and sources are not written: use CSV to keep them). */
export function formatHexLines(entries: Iterable<BankEntryKey>): string {
  let out = '';
  for (const e of entries) out += `${e.hash}\n`;
  return out;
}
