import {
  type BankFileOptions,
  type BankFileProblem,
  compactEntry,
  fileLines,
  inferKind,
  type ParsedBankFile,
} from './bank-file';
import { csvField, splitCsvLine } from './csv-fields';
import { type BankEntry, isHashKind, type NewBankEntry, normaliseHash } from './hash-bank';

type Column = 'hash' | 'label' | 'source' | 'kind';

/** Header names accepted for each column (compared lowercase, spaces and dashes as `_`). */
const HEADER_NAMES: Record<Column, readonly string[]> = {
  hash: ['hash', 'hash_value', 'signal_value', 'value', 'pdq', 'pdq_hash', 'md5', 'sha256'],
  label: ['label', 'category', 'tag', 'tags', 'labels', 'categories'],
  source: ['source', 'origin', 'collab', 'provenance'],
  kind: ['kind', 'type', 'hash_type', 'signal_type', 'algorithm'],
};

const DEFAULT_COLUMNS: readonly Column[] = ['hash', 'label', 'source', 'kind'];

/** The column each header cell names, or `undefined` when the first row is data, not a header. */
function headerColumns(fields: readonly string[]): (Column | undefined)[] | undefined {
  const first = (fields[0] ?? '').trim();
  if (/^[0-9a-fA-F]{32}([0-9a-fA-F]{32})?$/.test(first)) return undefined;
  const columns = fields.map((f) => {
    const name = f
      .trim()
      .toLowerCase()
      .replace(/[\s-]+/g, '_');
    return (Object.keys(HEADER_NAMES) as Column[]).find((c) => HEADER_NAMES[c].includes(name));
  });
  return columns.includes('hash') ? columns : undefined;
}

/**
 * Parses CSV: columns `hash,label,source[,kind]` in that order, or in any order under a header row naming them
 * (`hash`, `label` or `category`, `source`, `kind`; other columns ignored). A header is recognised when the first
 * row's first field is not a hash and some field names the hash column. A `pdq_hash`, `md5` or `sha256` header
 * also fixes the kind of that column's hashes.
 */
export function parseCsv(text: string, options: BankFileOptions = {}): ParsedBankFile {
  const entries: NewBankEntry[] = [];
  const problems: BankFileProblem[] = [];
  let columns: readonly (Column | undefined)[] | undefined;
  let headerKind = options.kind;
  fileLines(text).forEach((raw, i) => {
    if (raw.trim() === '' || raw.startsWith('#')) return;
    const fields = splitCsvLine(raw);
    if (!columns) {
      const header = headerColumns(fields);
      columns = header ?? DEFAULT_COLUMNS;
      if (header) {
        const named = fields[header.indexOf('hash')]?.trim().toLowerCase();
        if (!options.kind && (named === 'md5' || named === 'sha256')) headerKind = named;
        return;
      }
    }
    const get = (c: Column): string | undefined => {
      const at = (columns as readonly (Column | undefined)[]).indexOf(c);
      const v = at < 0 ? undefined : fields[at]?.trim();
      return v === '' ? undefined : v;
    };
    const token = get('hash') ?? '';
    const kindField = get('kind')?.toLowerCase();
    if (kindField !== undefined && !isHashKind(kindField)) {
      problems.push({ line: i + 1, message: `unknown hash kind "${kindField.slice(0, 40)}"` });
      return;
    }
    const kind = kindField ?? inferKind(token, { ...options, kind: headerKind });
    const hash = kind ? normaliseHash(kind, token) : undefined;
    if (!kind || !hash) {
      problems.push({
        line: i + 1,
        message: `not a ${kind ?? 'PDQ or MD5'} hex hash: ${token.slice(0, 80)}`,
      });
      return;
    }
    entries.push(
      compactEntry({
        hash,
        kind,
        label: get('label') ?? options.label,
        source: get('source') ?? options.source,
      }),
    );
  });
  return { entries, problems, skipped: 0 };
}

/** CSV with a header: `hash,label,source,kind,added_at`. */
export function formatCsv(entries: Iterable<BankEntry>): string {
  let out = 'hash,label,source,kind,added_at\n';
  for (const e of entries) {
    out += `${csvField(e.hash)},${csvField(e.label ?? '')},${csvField(e.source ?? '')},${e.kind},${e.addedAt}\n`;
  }
  return out;
}
