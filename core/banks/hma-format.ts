import { wordsToPdqHex } from '../hash/hamming';
import {
  type BankFileOptions,
  type BankFileProblem,
  compactEntry,
  fileLines,
  type ParsedBankFile,
} from './bank-file';
import { splitCsvLine } from './csv-fields';
import type { BankEntry, HashKind, NewBankEntry } from './hash-bank';
import { normaliseHash } from './hash-bank';
import { parseVpdqValue } from './vpdq-value';

/**
 * Signal types of Meta's python-threatexchange / Hasher-Matcher-Actioner that map onto bank kinds. HMA's MD5
 * signal type is `video_md5`, an MD5 of the file's bytes, so it matches any file's MD5.
 */
const SIGNAL_KINDS: Readonly<Record<string, HashKind>> = {
  pdq: 'pdq',
  video_md5: 'md5',
  photo_md5: 'md5',
  md5: 'md5',
  sha256: 'sha256',
  vpdq: 'vpdq',
};

/** Signal types HMA knows that banks do not hold: counted as skipped, not as errors. */
const OTHER_SIGNAL_TYPES = new Set(['url', 'url_md5', 'raw_text', 'trend_query', 'tmk_pdqf']);

/**
 * Parses HMA / python-threatexchange signal files: `<signal_type> <signal_value>` per line (the format of
 * python-threatexchange's local-file exchange and of `threatexchange hash`), or CSV rows
 * `signal_type,signal_value[,label[,source]]`, with an optional header (`signal_type,signal_value,...`; a
 * `category`/`label`/`tags` and a `source`/`collab` column are read when named).
 * `pdq`, `video_md5` (also `photo_md5`, `md5`) and `sha256` are kept; `vpdq`, `url`, `raw_text` and the other
 * known types are skipped; anything else is a problem.
 */
export function parseHma(text: string, options: BankFileOptions = {}): ParsedBankFile {
  const entries: NewBankEntry[] = [];
  const problems: BankFileProblem[] = [];
  let skipped = 0;
  let labelAt = 2;
  let sourceAt = 3;
  let first = true;
  fileLines(text).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    // CSV when the signal type ends at a comma; "vpdq <json>" lines have commas only inside their value.
    const csv = /^[^\s,]+\s*,/.test(line);
    const fields = csv ? splitCsvLine(line).map((f) => f.trim()) : line.split(/\s+/);
    if (first) {
      first = false;
      if (csv && fields[0]?.toLowerCase() === 'signal_type') {
        const names = fields.map((f) => f.toLowerCase());
        labelAt = names.findIndex((n) => n === 'category' || n === 'label' || n === 'tags' || n === 'labels');
        sourceAt = names.findIndex((n) => n === 'source' || n === 'collab' || n === 'bank');
        return;
      }
    }
    const type = (fields[0] ?? '').toLowerCase();
    // A vPDQ value is JSON with spaces in it: on a "vpdq <value>" line it is the rest of the line.
    const value = (!csv && type === 'vpdq' ? line.slice(fields[0]?.length ?? 0).trim() : fields[1]) ?? '';
    const kind = SIGNAL_KINDS[type];
    if (!kind) {
      if (OTHER_SIGNAL_TYPES.has(type)) skipped++;
      else problems.push({ line: i + 1, message: `unknown signal type "${type.slice(0, 40)}"` });
      return;
    }
    const hash = normaliseHash(kind, value);
    if (!hash) {
      problems.push({ line: i + 1, message: `not a ${type} hash: ${value.slice(0, 80)}` });
      return;
    }
    const label = csv && labelAt >= 0 ? fields[labelAt] : undefined;
    const source = csv && sourceAt >= 0 ? fields[sourceAt] : undefined;
    entries.push(
      compactEntry({ hash, kind, label: label || options.label, source: source || options.source }),
    );
  });
  return { entries, problems, skipped };
}

const KIND_SIGNALS: Readonly<Record<HashKind, string>> = {
  pdq: 'pdq',
  md5: 'video_md5',
  sha256: 'sha256',
  vpdq: 'vpdq',
};

/**
 * `<signal_type> <signal_value>` lines, which python-threatexchange's local-file exchange (and so HMA) imports.
 * MD5 is written as `video_md5`; SHA-256 has no HMA signal type and is written as `sha256`.
 */
export function formatHma(entries: Iterable<BankEntry>): string {
  let out = '';
  for (const e of entries) {
    out += `${KIND_SIGNALS[e.kind]} ${e.kind === 'vpdq' ? vpdqToHmaJson(e.hash) : e.hash}\n`;
  }
  return out;
}

/** python-threatexchange's JSON for a vPDQ value: frame number → `{quality, hash, timestamp}`, on one line. */
function vpdqToHmaJson(canonical: string): string {
  const out: Record<string, { quality: number; hash: string; timestamp: number }> = {};
  for (const f of parseVpdqValue(canonical) ?? []) {
    out[String(f.frame)] = { quality: f.quality, hash: wordsToPdqHex(f.hash), timestamp: f.timestamp };
  }
  return JSON.stringify(out);
}
