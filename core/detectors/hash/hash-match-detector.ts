import { createHash } from 'node:crypto';
import { type BankMatcher, bankVersionKey } from '../../banks/bank-matcher';
import type { BankMatch, BankSnapshot } from '../../banks/bank-snapshot';
import { DetectorTimeoutError, toErrorInfo } from '../../errors';
import { exactHashesOfFile } from '../../hash/exact-hashes';
import { wordsToPdqHex } from '../../hash/hamming';
import { pdqHashPixels } from '../../hash/pdq';
import { pdqHashImage } from '../../hash/pdq-image';
import { vpdqHashVideo } from '../../hash/vpdq';
import type { Logger } from '../../logging/logger';
import { hashMatchRule } from '../../policy/hash-match-rule';
import { type HashMatchPolicy, HashMatchPolicySchema, type Policy } from '../../policy/policy';
import type { Evidence, Signal } from '../../signals';
import type { Detector, DetectorContext, ImageContent, VideoContent } from '../detector';
import { HASH_MATCH_DETECTOR_ID } from '../detector-ids';
import { hashMatchLabel } from './hash-match-label';

/** Version of the matching rules; part of the content-cache key. */
export const HASH_MATCH_DETECTOR_VERSION = '1.0.0';

/** Signals kept per item (exact matches first, then nearest), so a bank of near-duplicates cannot flood a verdict. */
export const MAX_HASH_MATCHES = 32;

/** Time ranges kept per matched bank entry of a video. */
const MAX_TIME_RANGES = 64;

/** The `hashMatch` settings of a policy that has none (the schema's defaults). */
const DEFAULT_SETTINGS: HashMatchPolicy = HashMatchPolicySchema.parse({});

/** Options for {@link createHashMatchDetectors}. */
export interface HashMatchDetectorOptions {
  /** The banks items are matched against; without it the detectors find nothing and say `no banks`. */
  readonly banks?: BankMatcher;
}

/** One bank entry an item matched, with the video times where its frames matched it. */
interface Hit {
  /** The entry, with the smallest distance any frame had to it. */
  match: BankMatch;
  /** Video frames that matched it (0 for images and exact matches). */
  frames: number;
  readonly times: { start: number; end: number }[];
}

/**
 * The `hash-match` detectors: one for images (fast and heavy tiers) and one for videos (heavy tier only, where
 * videos are decoded), sharing the id so a policy disables both at once.
 *
 * - Images: the PDQ hash of the file's bytes decoded as HMA does (full resolution, no EXIF rotation, alpha dropped),
 *   matched within the policy's `hashMatch.radius` unless its quality is under `hashMatch.minQuality`; and the MD5
 *   and SHA-256 of the bytes, matched exactly.
 * - Videos: the MD5 and SHA-256 of the file, matched exactly; and vPDQ (the PDQ hash of one frame per
 *   `1 / hashMatch.videoFps` seconds), each frame matched like an image, a match giving time evidence; and the
 *   same frames against the banks' whole-video (`vpdq`) entries with HMA's rule (`hashMatch.videoQueryPercent` of
 *   this video's frames and `hashMatch.videoComparedPercent` of the entry's must match).
 *
 * Every matched bank entry becomes one signal: label `bank` or `bank:label`, category the bank's `hashMatch` rule
 * category, score 1 (a match within the radius is a match; the distance is in the evidence), and a note naming the
 * bank, label, kind, distance and matched hash. Without banks, or with banks that hold no hash of the kinds
 * needed, nothing is hashed: the run is `ok` with a note.
 */
export function createHashMatchDetectors(
  options: HashMatchDetectorOptions = {},
): [Detector<ImageContent>, Detector<VideoContent>] {
  const { banks } = options;
  const dataVersion = async (): Promise<string | undefined> => {
    if (!banks) return undefined;
    let snapshot: BankSnapshot | undefined;
    try {
      snapshot = await banks.ensureFresh();
    } catch {
      // The detector fails the same way (and failed results are never cached), unless an older snapshot is held.
      snapshot = banks.current;
    }
    if (!snapshot) return 'banks-unavailable';
    return snapshot.banks.length === 0 ? undefined : `banks:${bankVersionKey(snapshot.banks)}`;
  };
  const common = { id: HASH_MATCH_DETECTOR_ID, version: HASH_MATCH_DETECTOR_VERSION, dataVersion } as const;
  return [
    {
      ...common,
      media: ['image'],
      tiers: ['fast', 'heavy'],
      async detect(input, ctx) {
        const snapshot = await usableSnapshot(banks, 'image', ctx);
        if (!snapshot) return [];
        return toSignals(await matchImage(input, snapshot, settingsOf(ctx.policy), ctx), ctx.policy);
      },
    },
    {
      ...common,
      media: ['video'],
      tiers: ['heavy'],
      async detect(input, ctx) {
        const snapshot = await usableSnapshot(banks, 'video', ctx);
        if (!snapshot) return [];
        return toSignals(await matchVideo(input, snapshot, settingsOf(ctx.policy), ctx), ctx.policy);
      },
    },
  ];
}

function settingsOf(policy: Policy | undefined): HashMatchPolicy {
  return policy?.hashMatch ?? DEFAULT_SETTINGS;
}

/** The snapshot to match against, or undefined (with a note) when there is nothing to match. */
async function usableSnapshot(
  banks: BankMatcher | undefined,
  media: 'image' | 'video',
  ctx: DetectorContext,
): Promise<BankSnapshot | undefined> {
  if (!banks) {
    ctx.note?.('no banks');
    return undefined;
  }
  const snapshot = await freshOrLast(banks, ctx.logger);
  if (snapshot.banks.length === 0) {
    ctx.note?.('no banks');
    return undefined;
  }
  const { pdq, md5, sha256, vpdq } = snapshot.counts;
  // Whole-video entries only ever match videos.
  if (pdq + md5 + sha256 + (media === 'video' ? vpdq : 0) === 0) {
    ctx.note?.(
      media === 'video' || vpdq === 0 ? 'the banks hold no hashes' : 'the banks hold only whole-video hashes',
    );
    return undefined;
  }
  return snapshot;
}

/**
 * The current snapshot; when the store cannot be read, the last one loaded (a known hash still matches during a
 * store outage), else the error.
 */
async function freshOrLast(banks: BankMatcher, logger: Logger): Promise<BankSnapshot> {
  try {
    return await banks.ensureFresh();
  } catch (err) {
    const last = banks.current;
    if (!last) throw err;
    logger.warn('cannot refresh the hash banks; matching against the last versions loaded', {
      code: toErrorInfo(err).code,
    });
    return last;
  }
}

async function matchImage(
  input: ImageContent,
  snapshot: BankSnapshot,
  settings: HashMatchPolicy,
  ctx: DetectorContext,
): Promise<Hit[]> {
  const hits: Hit[] = [];
  const { pdq, md5, sha256 } = snapshot.counts;
  if (md5 + sha256 > 0) {
    if (input.bytes) {
      if (md5 > 0) addExact(hits, snapshot.match('md5', digest('md5', input.bytes), 0));
      if (sha256 > 0) {
        addExact(hits, snapshot.match('sha256', input.sha256 ?? digest('sha256', input.bytes), 0));
      }
    } else ctx.note?.('no file bytes: MD5 and SHA-256 not matched');
  }
  if (pdq > 0) {
    checkAborted(ctx.signal);
    // PDQ is defined on the file's pixels as decoded without rotation or compositing; the decoded frame is only a
    // stand-in when the caller had no bytes.
    const frame = input.image.frames[0];
    const hash = input.bytes
      ? await pdqHashImage(input.bytes)
      : frame
        ? pdqHashPixels(frame.data, frame.width, frame.height, 3)
        : undefined;
    if (hash && hash.quality < settings.minQuality) {
      ctx.note?.(`PDQ quality ${hash.quality} is under ${settings.minQuality}: not matched`);
    } else if (hash) {
      for (const match of snapshot.match('pdq', wordsToPdqHex(hash.hash), settings.radius)) {
        hits.push({ match, frames: 0, times: [] });
      }
    }
  }
  return hits;
}

async function matchVideo(
  input: VideoContent,
  snapshot: BankSnapshot,
  settings: HashMatchPolicy,
  ctx: DetectorContext,
): Promise<Hit[]> {
  const hits: Hit[] = [];
  const { pdq, md5, sha256 } = snapshot.counts;
  if (md5 + sha256 > 0) {
    const exact =
      md5 === 0 && input.sha256 ? { md5: '', sha256: input.sha256 } : await exactHashesOfFile(input.path);
    if (md5 > 0) addExact(hits, snapshot.match('md5', exact.md5, 0));
    if (sha256 > 0) addExact(hits, snapshot.match('sha256', exact.sha256, 0));
  }
  if (pdq === 0 && snapshot.counts.vpdq === 0) return hits;
  checkAborted(ctx.signal);
  const vpdq = await vpdqHashVideo(input.path, {
    secondsPerHash: 1 / settings.videoFps,
    signal: ctx.signal,
    // The detector's own deadline (the policy's budget plus the video's length) is what bounds it.
    timeoutMs: 10 * 60_000 + Math.ceil(input.durationSec * 2000),
  });
  const step = vpdq.frameStep / vpdq.fps;
  const byEntry = new Map<string, Hit>();
  const byHash = new Map<string, BankMatch[]>();
  let lowQuality = 0;
  for (const frame of vpdq.frames) {
    if (frame.quality < settings.minQuality) {
      lowQuality++;
      continue;
    }
    if (pdq === 0) continue;
    const hex = wordsToPdqHex(frame.hash);
    let matches = byHash.get(hex);
    if (!matches) {
      matches = snapshot.match('pdq', hex, settings.radius);
      byHash.set(hex, matches);
    }
    const start = round3(frame.timestamp);
    const end = round3(
      input.durationSec > 0 ? Math.min(frame.timestamp + step, input.durationSec) : frame.timestamp + step,
    );
    for (const match of matches) {
      const key = entryId(match);
      let hit = byEntry.get(key);
      if (!hit) {
        hit = { match, frames: 0, times: [] };
        byEntry.set(key, hit);
        hits.push(hit);
      } else if (match.distance < hit.match.distance) hit.match = match;
      hit.frames++;
      const last = hit.times[hit.times.length - 1];
      if (last && start <= last.end + 1e-3) last.end = Math.max(last.end, end);
      else if (hit.times.length < MAX_TIME_RANGES) hit.times.push({ start, end: Math.max(start, end) });
    }
  }
  if (snapshot.counts.vpdq > 0) {
    const videos = snapshot.matchVideo(vpdq.frames, {
      radius: settings.radius,
      minQuality: settings.minQuality,
      queryPercent: settings.videoQueryPercent,
      comparedPercent: settings.videoComparedPercent,
    });
    for (const match of videos) hits.push({ match, frames: 0, times: [] });
  }
  if (lowQuality > 0) {
    ctx.note?.(
      `${lowQuality} of ${vpdq.frames.length} hashed frames under PDQ quality ${settings.minQuality}`,
    );
  }
  return hits;
}

/** Signals from hits: exact matches first, then by distance, then by bank name; at most {@link MAX_HASH_MATCHES}. */
function toSignals(hits: readonly Hit[], policy: Policy | undefined): Signal[] {
  // Exact file matches first, then whole-video matches, then single frames and images.
  const rank = (h: Hit) => (h.match.kind === 'pdq' ? 2 : h.match.kind === 'vpdq' ? 1 : 0);
  return [...hits]
    .sort(
      (a, b) =>
        rank(a) - rank(b) ||
        a.match.distance - b.match.distance ||
        a.match.bankName.localeCompare(b.match.bankName) ||
        a.match.matchedHash.localeCompare(b.match.matchedHash),
    )
    .slice(0, MAX_HASH_MATCHES)
    .map((h) => {
      const m = h.match;
      const category = policy
        ? hashMatchRule(policy, m.bankName).category
        : DEFAULT_SETTINGS.default.category;
      const note = m.video
        ? `bank ${m.bankName}, label ${m.label ?? '-'}, whole video (vpdq ${m.matchedHash}): ` +
          `${m.video.queryMatchPercent.toFixed(1)}% of ${m.video.queryFrames} frames here match, ` +
          `${m.video.comparedMatchPercent.toFixed(1)}% of the entry's ${m.video.comparedFrames}, ` +
          `closest frame distance ${m.distance}`
        : `bank ${m.bankName}, label ${m.label ?? '-'}, ${m.kind} distance ${m.distance}, matched ${m.matchedHash}` +
          (h.frames > 0 ? `, ${h.frames} frame${h.frames === 1 ? '' : 's'}` : '');
      const evidence: Evidence[] = [
        { kind: 'note', text: note },
        ...h.times.map((t) => ({ kind: 'time' as const, start: t.start, end: t.end, rule: m.kind })),
      ];
      return {
        detector: HASH_MATCH_DETECTOR_ID,
        category,
        label: hashMatchLabel(m.bankName, m.label),
        score: 1,
        evidence,
      };
    });
}

function addExact(hits: Hit[], matches: readonly BankMatch[]): void {
  for (const match of matches) hits.push({ match, frames: 0, times: [] });
}

function entryId(m: BankMatch): string {
  return `${m.bankId}\u0000${m.kind}\u0000${m.matchedHash}`;
}

function digest(algorithm: 'md5' | 'sha256', bytes: Buffer): string {
  return createHash(algorithm).update(bytes).digest('hex');
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

function checkAborted(signal: AbortSignal): void {
  if (signal.aborted) throw new DetectorTimeoutError('aborted');
}
