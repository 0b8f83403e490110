import { PDQ_WORDS, pdqHexToWords, wordsToPdqHex } from '../hash/hamming';
import { MihIndex } from '../hash-index/mih-index';
import type { BankEntry, HashBank, HashKind } from './hash-bank';

/** A bank hash that a query matched. */
export interface BankMatch {
  readonly bankId: string;
  readonly bankName: string;
  readonly kind: HashKind;
  /** The bank's hash (lowercase hex). */
  readonly matchedHash: string;
  /** Bits that differ (PDQ); 0 for exact kinds. */
  readonly distance: number;
  readonly label?: string;
  readonly source?: string;
}

/** A growable `Uint32Array`, so millions of hashes are collected without per-hash objects. */
class U32Builder {
  data = new Uint32Array(1024);
  length = 0;
  push(v: number): void {
    if (this.length === this.data.length) {
      const next = new Uint32Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = v;
  }
  toArray(): Uint32Array {
    return this.data.slice(0, this.length);
  }
}

/**
 * The entries of a set of bank versions, indexed for matching: one multi-index over all PDQ hashes and a map per
 * exact kind. Entry metadata is held in parallel typed arrays (bank, label and source as indexes into string
 * tables), not as one object per entry.
 */
export class BankSnapshot {
  readonly banks: readonly HashBank[];
  /** How many entries of each kind. */
  readonly counts: Readonly<Record<HashKind, number>>;
  private readonly pdqIndex: MihIndex;
  private readonly pdqHashes: Uint32Array;
  private readonly pdqMeta: Uint32Array;
  private readonly exact: Record<'md5' | 'sha256', Map<string, number[]>>;
  private readonly exactMeta: Uint32Array;
  private readonly strings: readonly string[];

  private constructor(init: {
    banks: HashBank[];
    pdqHashes: Uint32Array;
    pdqMeta: Uint32Array;
    exact: Record<'md5' | 'sha256', Map<string, number[]>>;
    exactMeta: Uint32Array;
    strings: string[];
    indexChunks?: number;
  }) {
    this.banks = init.banks;
    this.pdqHashes = init.pdqHashes;
    this.pdqMeta = init.pdqMeta;
    this.exact = init.exact;
    this.exactMeta = init.exactMeta;
    this.strings = init.strings;
    this.pdqIndex = MihIndex.build(
      init.pdqHashes,
      undefined,
      init.indexChunks === undefined ? {} : { chunks: init.indexChunks },
    );
    let md5 = 0;
    let sha256 = 0;
    for (const ids of init.exact.md5.values()) md5 += ids.length;
    for (const ids of init.exact.sha256.values()) sha256 += ids.length;
    this.counts = { pdq: init.pdqHashes.length / PDQ_WORDS, md5, sha256 };
  }

  /**
   * Builds a snapshot from each bank's entries, read with `entriesOf` (typically paging through a store).
   * `indexChunks` overrides the PDQ index's chunk count.
   */
  static async build(
    banks: readonly HashBank[],
    entriesOf: (bank: HashBank) => AsyncIterable<BankEntry>,
    indexChunks?: number,
  ): Promise<BankSnapshot> {
    const strings: string[] = [''];
    const stringIds = new Map<string, number>([['', 0]]);
    const intern = (s: string | undefined): number => {
      if (!s) return 0;
      let id = stringIds.get(s);
      if (id === undefined) {
        id = strings.length;
        strings.push(s);
        stringIds.set(s, id);
      }
      return id;
    };
    const pdqWords = new U32Builder();
    const pdqMeta = new U32Builder();
    const exactMeta = new U32Builder();
    const exact = { md5: new Map<string, number[]>(), sha256: new Map<string, number[]>() };
    const words = new Uint32Array(PDQ_WORDS);
    for (const [b, bank] of banks.entries()) {
      for await (const e of entriesOf(bank)) {
        const meta = e.kind === 'pdq' ? pdqMeta : exactMeta;
        const at = meta.length / 3;
        meta.push(b);
        meta.push(intern(e.label));
        meta.push(intern(e.source));
        if (e.kind === 'pdq') {
          pdqHexToWords(e.hash, words);
          for (let w = 0; w < PDQ_WORDS; w++) pdqWords.push(words[w] as number);
        } else {
          const list = exact[e.kind].get(e.hash);
          if (list) list.push(at);
          else exact[e.kind].set(e.hash, [at]);
        }
      }
    }
    return new BankSnapshot({
      banks: [...banks],
      pdqHashes: pdqWords.toArray(),
      pdqMeta: pdqMeta.toArray(),
      exact,
      exactMeta: exactMeta.toArray(),
      strings,
      indexChunks,
    });
  }

  /**
   * Bank entries matching a hash: PDQ within `radius` bits (nearest first), MD5 and SHA-256 exactly. `hash` must
   * be normalised hex of the kind.
   */
  match(kind: HashKind, hash: string, radius: number): BankMatch[] {
    if (kind === 'pdq') {
      const { ids, distances } = this.pdqIndex.search(pdqHexToWords(hash), radius);
      return Array.from(ids, (id, i) =>
        this.toMatch(
          this.pdqMeta,
          id,
          kind,
          wordsToPdqHex(this.pdqHashes, id * PDQ_WORDS),
          distances[i] as number,
        ),
      );
    }
    return (this.exact[kind].get(hash) ?? []).map((at) => this.toMatch(this.exactMeta, at, kind, hash, 0));
  }

  /** Typed-array bytes of the PDQ index and entry metadata (the exact-kind maps are not counted). */
  byteSize(): number {
    return this.pdqIndex.byteSize() + this.pdqMeta.byteLength + this.exactMeta.byteLength;
  }

  private toMatch(
    meta: Uint32Array,
    at: number,
    kind: HashKind,
    matchedHash: string,
    distance: number,
  ): BankMatch {
    const bank = this.banks[meta[at * 3] as number] as HashBank;
    const label = this.strings[meta[at * 3 + 1] as number];
    const source = this.strings[meta[at * 3 + 2] as number];
    return {
      bankId: bank.id,
      bankName: bank.name,
      kind,
      matchedHash,
      distance,
      ...(label ? { label } : {}),
      ...(source ? { source } : {}),
    };
  }
}
