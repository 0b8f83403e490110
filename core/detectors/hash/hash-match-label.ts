/**
 * The label of a `hash-match` signal: the bank's name, then `:` and the entry's label when it has one. Bank names
 * cannot contain `:`, so the bank is always the part before the first one.
 */
export function hashMatchLabel(bankName: string, entryLabel?: string): string {
  return entryLabel ? `${bankName}:${entryLabel}` : bankName;
}

/** The bank name a `hash-match` signal's label starts with (see {@link hashMatchLabel}). */
export function bankNameOfLabel(label: string): string {
  const colon = label.indexOf(':');
  return colon < 0 ? label : label.slice(0, colon);
}
