import { formatVpdqValue, parseVpdqValue } from './vpdq-value';

/** The hash kinds a bank holds: PDQ (perceptual, matched within a Hamming radius) and exact MD5 / SHA-256. */
export type HashKind = 'pdq' | 'md5' | 'sha256' | 'vpdq';

/** Every {@link HashKind}. */
export const HASH_KINDS: readonly HashKind[] = ['pdq', 'md5', 'sha256', 'vpdq'];

/** Hex digits per hash of each kind (PDQ and SHA-256 are both 64: a bare 64-digit hash needs its kind given). */
export const HASH_HEX_LENGTH: Readonly<Record<Exclude<HashKind, 'vpdq'>, number>> = {
  pdq: 64,
  md5: 32,
  sha256: 64,
};

/** One hash in a bank. */
export interface BankEntry {
  /** Lowercase hex. */
  readonly hash: string;
  readonly kind: HashKind;
  /** What the content is (a label or category, e.g. `csam`, `terrorism`); free text. */
  readonly label?: string;
  /** Where the hash came from (a partner, a case id, a list name); free text. */
  readonly source?: string;
  /** ISO time the entry was added (or last changed). */
  readonly addedAt: string;
}

/** An entry to add: `addedAt` is set by the store. */
export type NewBankEntry = Omit<BankEntry, 'addedAt'>;

/** Identifies an entry within a bank. */
export interface BankEntryKey {
  readonly hash: string;
  readonly kind: HashKind;
}

/** A bank's metadata. */
export interface HashBank {
  /** Stable id, assigned at creation. */
  readonly id: string;
  /** Unique name, chosen by the user. */
  readonly name: string;
  /** Starts at 0 when created and goes up by one with every change to the entries; never goes down. */
  readonly version: number;
  readonly entryCount: number;
  readonly createdAt: string;
  readonly updatedAt: string;
}

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** Whether `name` is a valid bank name: 1–128 letters, digits, `.`, `_` or `-`, starting with a letter or digit. */
export function isValidBankName(name: string): boolean {
  return NAME_RE.test(name);
}

/**
 * The hash in canonical form (trimmed, lowercase) when it is valid hex of the kind's length, else `undefined`.
 */
export function normaliseHash(kind: HashKind, hash: string): string | undefined {
  if (kind === 'vpdq') {
    const frames = parseVpdqValue(hash);
    return frames ? formatVpdqValue(frames) : undefined;
  }
  const h = hash.trim().toLowerCase();
  return h.length === HASH_HEX_LENGTH[kind] && /^[0-9a-f]+$/.test(h) ? h : undefined;
}

/** The key an entry is stored and paged under: `kind:hash`. */
export function entryKey(entry: BankEntryKey): string {
  return `${entry.kind}:${entry.hash}`;
}

/** Whether `s` names a {@link HashKind}. */
export function isHashKind(s: string): s is HashKind {
  return (HASH_KINDS as readonly string[]).includes(s);
}
