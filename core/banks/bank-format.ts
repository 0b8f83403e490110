import type { BankFileOptions, ParsedBankFile } from './bank-file';
import { formatCsv, parseCsv } from './csv-format';
import type { BankEntry } from './hash-bank';
import { formatHexLines, parseHexLines } from './hex-lines-format';
import { formatHma, parseHma } from './hma-format';
import { formatVpdqFile, parseVpdqFile, VPDQ_LINE } from './vpdq-file-format';

/** The file formats banks import from and export to. */
export type BankFormat = 'hex' | 'csv' | 'hma' | 'vpdq';

/** Every {@link BankFormat}. */
export const BANK_FORMATS: readonly BankFormat[] = ['hex', 'csv', 'hma', 'vpdq'];

/** Whether `s` names a {@link BankFormat}. */
export function isBankFormat(s: string): s is BankFormat {
  return (BANK_FORMATS as readonly string[]).includes(s);
}

/**
 * The format of a file whose format was not given: `csv` for a `.csv` name, `hma` when the first data line starts
 * with an HMA signal type (`pdq `, `video_md5 `, `signal_type,`), `vpdq` for the reference vPDQ hasher's
 * `frameNumber,quality,pdqHex,timestamp` lines, else `hex`.
 */
export function detectBankFormat(fileName: string, text: string): BankFormat {
  if (/\.csv$/i.test(fileName)) {
    return /^\s*signal_type\s*,/i.test(text.replace(/^\uFEFF/, '')) ? 'hma' : 'csv';
  }
  const first = text
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .find((l) => l.trim() !== '' && !l.trim().startsWith('#'));
  if (first && VPDQ_LINE.test(first)) return 'vpdq';
  return first && /^\s*(pdq|video_md5|photo_md5|vpdq|signal_type)[\s,]/i.test(first) ? 'hma' : 'hex';
}

/** Parses a bank file in the given format. */
export function parseBankFile(
  text: string,
  format: BankFormat,
  options: BankFileOptions = {},
): ParsedBankFile {
  switch (format) {
    case 'hex':
      return parseHexLines(text, options);
    case 'csv':
      return parseCsv(text, options);
    case 'hma':
      return parseHma(text, options);
    case 'vpdq':
      return parseVpdqFile(text, options);
  }
}

/** Writes entries in the given format. */
export function formatBankFile(entries: Iterable<BankEntry>, format: BankFormat): string {
  switch (format) {
    case 'hex':
      return formatHexLines(entries);
    case 'csv':
      return formatCsv(entries);
    case 'hma':
      return formatHma(entries);
    case 'vpdq':
      return formatVpdqFile(entries);
  }
}
