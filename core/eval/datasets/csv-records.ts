/**
 * Parses CSV text (RFC 4180) into records: fields may be double-quoted, with `""` for a quote inside, and a quoted
 * field may span lines. Records end at LF or CRLF outside quotes; a trailing line break adds no empty record.
 * (`core/banks/csv-fields.ts` splits single lines, which is all hash lists need; labelled sets such as Davidson's
 * tweets have line breaks inside quoted fields.)
 */
export function* csvRecords(text: string): Generator<string[]> {
  const n = text.length;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  while (i < n) {
    const fields: string[] = [];
    for (;;) {
      let value = '';
      if (text[i] === '"') {
        i++;
        for (;;) {
          const q = text.indexOf('"', i);
          if (q < 0) {
            value += text.slice(i);
            i = n;
            break;
          }
          value += text.slice(i, q);
          if (text[q + 1] === '"') {
            value += '"';
            i = q + 2;
          } else {
            i = q + 1;
            break;
          }
        }
      }
      // Unquoted text, or anything between a closing quote and the next separator, is kept as it is.
      let j = i;
      while (j < n && text[j] !== ',' && text[j] !== '\n' && text[j] !== '\r') j++;
      value += text.slice(i, j);
      fields.push(value);
      i = j;
      if (i >= n) break;
      if (text[i] === ',') {
        i++;
        continue;
      }
      if (text[i] === '\r') i++;
      if (text[i] === '\n') i++;
      break;
    }
    yield fields;
  }
}

/** Records of CSV text with a header row, as objects keyed by the header's names (missing cells are `''`). */
export function* csvObjects(text: string): Generator<{ record: Record<string, string>; row: number }> {
  const records = csvRecords(text);
  const first = records.next();
  if (first.done) return;
  const header = first.value;
  let row = 0;
  for (const cells of records) {
    row++;
    if (cells.length === 1 && cells[0] === '') continue;
    const record: Record<string, string> = {};
    header.forEach((h, k) => {
      record[h] = cells[k] ?? '';
    });
    yield { record, row };
  }
}

/** The header row of CSV text (its first record), or an empty list for empty text. */
export function csvHeader(text: string): string[] {
  const first = csvRecords(text).next();
  return first.done ? [] : first.value;
}
