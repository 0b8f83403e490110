import { PDQ_WORDS, pdqHexToWords, wordsToPdqHex } from '../hash/hamming';
import { VPDQ_MATCH_HMA, type VpdqFrame, vpdqFeatureWords } from '../hash/vpdq-match';
import { MihIndex } from '../hash-index/mih-index';
import type { BankEntry, HashBank, HashKind } from './hash-bank';
import { parseVpdqValue, vpdqValueDigest } from './vpdq-value';

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
  /** Whole-video (`vpdq`) matches: the query video's and the bank video's percentages of matched frames. */
  readonly video?: {
    readonly queryMatchPercent: number;
    readonly comparedMatchPercent: number;
    readonly queryFrames: number;
    readonly comparedFrames: number;
  };
}

/** How a video is matched against the banks' whole-video (`vpdq`) entries: HMA's rule and thresholds. */
export interface VideoMatchOptions {
  /** Frame distance counted as a match (inclusive, as HMA counts). */
  readonly radius: number;
  /** Query frames under this PDQ quality are dropped (bank frames under HMA's 50 are dropped when loading). */
  readonly minQuality: number;
  /** A bank video matches when at least this percentage of the query's frames match one of its frames. */
  readonly queryPercent: number;
  /** ... and at least this percentage of its own frames match one of the query's. */
  readonly comparedPercent: number;
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
/** HMA's default whole-video thresholds: 80% of the query's frames, any share of the bank video's. */
export const DEFAULT_VIDEO_QUERY_PERCENT = 80;
export const DEFAULT_VIDEO_COMPARED_PERCENT = 0;

/** The banks' whole-video entries: every video's matchable frames in one index. */
interface VideoLists {
  readonly count: number;
  readonly index: MihIndex;
  /** Video of each indexed frame. */
  readonly frameVideo: Uint32Array;
  /** Matchable frames per video (after the quality filter and dedupe). */
  readonly frameCount: Uint32Array;
  /** Bank, label and source string ids per video (3 words each). */
  readonly meta: Uint32Array;
  readonly digests: readonly string[];
  /** Scratch: the last query frame counted per video (-1: none). */
  readonly lastQuery: Int32Array;
}

class VideoListsBuilder {
  private readonly words = new U32Builder();
  private readonly frameVideo = new U32Builder();
  private readonly frameCount = new U32Builder();
  private readonly meta = new U32Builder();
  private readonly digests: string[] = [];

  add(canonical: string, bank: number, label: number, source: number): void {
    const frames = parseVpdqValue(canonical);
    if (!frames) return;
    const features = vpdqFeatureWords(frames, VPDQ_MATCH_HMA);
    const n = features.length / PDQ_WORDS;
    // A video with no frame of useful quality can never match (its percentage would divide by zero).
    if (n === 0) return;
    const video = this.digests.length;
    for (let i = 0; i < features.length; i++) this.words.push(features[i] as number);
    for (let i = 0; i < n; i++) this.frameVideo.push(video);
    this.frameCount.push(n);
    this.meta.push(bank);
    this.meta.push(label);
    this.meta.push(source);
    this.digests.push(vpdqValueDigest(canonical));
  }

  finish(): VideoLists {
    return {
      count: this.digests.length,
      index: MihIndex.build(this.words.toArray()),
      frameVideo: this.frameVideo.toArray(),
      frameCount: this.frameCount.toArray(),
      meta: this.meta.toArray(),
      digests: this.digests,
      lastQuery: new Int32Array(this.digests.length).fill(-1),
    };
  }
}

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
  private readonly videos: VideoLists;

  private constructor(init: {
    banks: HashBank[];
    pdqHashes: Uint32Array;
    pdqMeta: Uint32Array;
    exact: Record<'md5' | 'sha256', Map<string, number[]>>;
    exactMeta: Uint32Array;
    strings: string[];
    videos: VideoLists;
    indexChunks?: number;
  }) {
    this.videos = init.videos;
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
    this.counts = { pdq: init.pdqHashes.length / PDQ_WORDS, md5, sha256, vpdq: init.videos.count };
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
    const videos = new VideoListsBuilder();
    for (const [b, bank] of banks.entries()) {
      for await (const e of entriesOf(bank)) {
        if (e.kind === 'vpdq') {
          videos.add(e.hash, b, intern(e.label), intern(e.source));
          continue;
        }
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
      videos: videos.finish(),
      indexChunks,
    });
  }

  /**
   * Bank entries matching a hash: PDQ within `radius` bits (nearest first), MD5 and SHA-256 exactly. `hash` must
   * be normalised hex of the kind.
   */
  match(kind: HashKind, hash: string, radius: number): BankMatch[] {
    if (kind === 'vpdq') {
      const frames = parseVpdqValue(hash);
      if (!frames) return [];
      return this.matchVideo(frames, {
        radius,
        minQuality: VPDQ_MATCH_HMA.minQuality,
        queryPercent: DEFAULT_VIDEO_QUERY_PERCENT,
        comparedPercent: DEFAULT_VIDEO_COMPARED_PERCENT,
      });
    }
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
  /**
   * Bank videos (`vpdq` entries) that a video's frames match under HMA's rule: exact-duplicate frames dropped, a
   * frame matched when within `radius` of a frame of the other video, and a match when both percentages reach
   * their thresholds. Every query frame is looked up once in an index of all bank videos' frames, so the cost
   * grows with the query's frames, not with the number of bank videos.
   */
  matchVideo(frames: readonly VpdqFrame[], options: VideoMatchOptions): BankMatch[] {
    const v = this.videos;
    if (v.count === 0) return [];
    const query = vpdqFeatureWords(frames, { minQuality: options.minQuality, dedupe: true });
    const queryFrames = query.length / PDQ_WORDS;
    if (queryFrames === 0) return [];
    const perVideo = new Map<number, { query: number; compared: Set<number>; distance: number }>();
    for (let i = 0; i < queryFrames; i++) {
      const { ids, distances } = v.index.search(query, options.radius, i * PDQ_WORDS);
      for (let k = 0; k < ids.length; k++) {
        const frame = ids[k] as number;
        const video = v.frameVideo[frame] as number;
        let hit = perVideo.get(video);
        if (!hit) {
          hit = { query: 0, compared: new Set(), distance: Number.POSITIVE_INFINITY };
          perVideo.set(video, hit);
        }
        hit.compared.add(frame);
        hit.distance = Math.min(hit.distance, distances[k] as number);
        // Counted once per query frame: the frame's hits for one video arrive together.
        if (hit.query === 0 || v.lastQuery[video] !== i) {
          hit.query++;
          v.lastQuery[video] = i;
        }
      }
    }
    const out: BankMatch[] = [];
    for (const [video, hit] of perVideo) {
      v.lastQuery[video] = -1;
      const comparedFrames = v.frameCount[video] as number;
      const queryMatchPercent = (hit.query * 100) / queryFrames;
      const comparedMatchPercent = (hit.compared.size * 100) / comparedFrames;
      if (queryMatchPercent < options.queryPercent || comparedMatchPercent < options.comparedPercent)
        continue;
      out.push({
        ...this.toMatch(v.meta, video, 'vpdq', v.digests[video] as string, hit.distance),
        video: { queryMatchPercent, comparedMatchPercent, queryFrames, comparedFrames },
      });
    }
    return out.sort(
      (a, b) =>
        (b.video?.queryMatchPercent ?? 0) - (a.video?.queryMatchPercent ?? 0) ||
        a.bankName.localeCompare(b.bankName) ||
        a.matchedHash.localeCompare(b.matchedHash),
    );
  }

  byteSize(): number {
    return (
      this.pdqIndex.byteSize() +
      this.pdqMeta.byteLength +
      this.exactMeta.byteLength +
      this.videos.index.byteSize() +
      this.videos.frameVideo.byteLength
    );
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
