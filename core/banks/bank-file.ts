import type { HashKind, NewBankEntry } from './hash-bank';

/** A line of an imported file that could not be read. */
export interface BankFileProblem {
  /** 1-based line number. */
  readonly line: number;
  readonly message: string;
}

/** What a bank-file parser read. */
export interface ParsedBankFile {
  readonly entries: NewBankEntry[];
  readonly problems: BankFileProblem[];
  /** Well-formed lines of a signal type banks do not hold (HMA's `url`, `raw_text`, ...). */
  readonly skipped: number;
}

/** Options for the parsers. */
export interface BankFileOptions {
  /**
   * Kind of hashes whose line does not say: default `pdq` for 64 hex digits and `md5` for 32 (a 64-digit SHA-256
   * list needs `sha256` here).
   */
  readonly kind?: HashKind;
  /** Label for entries without one. */
  readonly label?: string;
  /** Source for entries without one. */
  readonly source?: string;
}

/** The lines of a file, split on LF or CRLF, with a UTF-8 byte-order mark removed. */
export function fileLines(text: string): string[] {
  return text.replace(/^\uFEFF/, '').split(/\r?\n/);
}

/** The kind of a hash by its length, when the options do not fix it. */
export function inferKind(hash: string, options: BankFileOptions): HashKind | undefined {
  if (options.kind) return options.kind;
  const n = hash.trim().length;
  return n === 64 ? 'pdq' : n === 32 ? 'md5' : undefined;
}

/** Drops empty optional fields, so entries compare equal whichever format they came from. */
export function compactEntry(entry: {
  hash: string;
  kind: HashKind;
  label?: string;
  source?: string;
}): NewBankEntry {
  const out: { hash: string; kind: HashKind; label?: string; source?: string } = {
    hash: entry.hash,
    kind: entry.kind,
  };
  if (entry.label) out.label = entry.label;
  if (entry.source) out.source = entry.source;
  return out;
}
