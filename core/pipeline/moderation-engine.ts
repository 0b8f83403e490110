import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { decodeAudio } from '../audio/decode-audio';
import type { Detector, DetectorInput, Tier } from '../detectors/detector';
import { IMAGE_OCR_DETECTOR_ID } from '../detectors/detector-ids';
import { ensureInit, runDetectors } from '../detectors/run-detectors';
import {
  CorruptMediaError,
  EmptyItemError,
  ItemTooLargeError,
  MediaTooLongError,
  NotImplementedError,
  toErrorInfo,
  UnsupportedMediaError,
  WinnowError,
} from '../errors';
import { probeMedia } from '../ffmpeg/probe-media';
import { buildSegments } from '../fusion/build-segments';
import { decodeImage } from '../image/decode-image';
import { type Logger, silentLogger } from '../logging/logger';
import type { MediaInfo, MediaKind } from '../media/media-type';
import { sniffMedia } from '../media/sniff';
import { escalationReason } from '../policy/escalation';
import { evaluatePolicy } from '../policy/evaluate-policy';
import type { Policy } from '../policy/policy';
import { scoringSettings } from '../policy/scoring-settings';
import type { ContentCache, ContentKey } from '../ports/content-cache';
import type { Signal } from '../signals';
import { decodeText } from '../text/decode-text';
import { normalizeText } from '../text/normalize';
import { buildVerdict, errorVerdict } from '../verdict/build-verdict';
import type { CachedResult, DetectorRun, Verdict, VerdictItem } from '../verdict/verdict';
import { DEFAULT_FRAME_SAMPLING } from '../video/sample-frames';
import { readItem, removeSpool } from './read-item';

/** Version of the engine's own stages (sniffing, decoding, fusion); part of the content-cache key. */
export const ENGINE_VERSION = '1.0.0';

/** Everything a {@link ModerationEngine} needs. */
export interface ModerationEngineOptions {
  readonly policy: Policy;
  readonly tier: Tier;
  /**
   * The tier that handles each media kind (default: `tier` for all). `winnow scan` plays both tiers, sending audio
   * and video to the heavy tier's detectors; a fast-path function leaves it unset.
   */
  readonly tierFor?: (media: MediaKind) => Tier;
  /** Detector plugins in registry order; the engine picks those that fit each item's media and its tier. */
  readonly detectors: readonly Detector[];
  /** Content cache; without one every item is scored. */
  readonly cache?: ContentCache;
  /**
   * The heavy-tier engine that decides items the fast tier finds uncertain (the policy's `escalation` band), in the
   * same call. Without it an uncertain fast-tier verdict is returned with `escalation.status: 'pending'`, for the
   * caller to queue the item for the heavy tier.
   */
  readonly escalateTo?: ModerationEngine;
  readonly logger?: Logger;
  readonly now?: () => Date;
}

/** One item to moderate: where it is and how to open it. */
export interface ItemSource {
  readonly uri: string;
  /** Size as listed; the bytes actually read are authoritative. */
  readonly size: number;
  /** Opens the bytes. Throwing here yields an `error` verdict (e.g. `unreadable`). */
  open(): Promise<Readable>;
}

/** Per-call context. */
export interface ModerateContext {
  readonly runId?: string;
  readonly signal?: AbortSignal;
}

const DECODE_STAGE = { id: 'text-decode', version: ENGINE_VERSION } as const;
const AUDIO_DECODE_STAGE = { id: 'audio-decode', version: ENGINE_VERSION } as const;
const VIDEO_PROBE_STAGE = { id: 'video-probe', version: ENGINE_VERSION } as const;
const IMAGE_DECODE_STAGE = { id: 'image-decode', version: ENGINE_VERSION } as const;

/**
 * The moderation core shared by the CLI, the Lambda functions and the GPU worker: reads an item once, sniffs its
 * media, reuses a cached result for identical bytes, runs the detectors that apply, applies the policy and returns
 * exactly one verdict. It never throws for a bad item: every failure becomes an `error` verdict with a code.
 */
export class ModerationEngine {
  readonly policy: Policy;
  readonly tier: Tier;
  /** Hash of the policy content and of every detector and model version in this tier. */
  readonly fingerprint: string;
  private readonly detectors: readonly Detector[];
  private readonly escalateTo?: ModerationEngine;
  private readonly cache?: ContentCache;
  private readonly logger: Logger;
  private readonly now: () => Date;
  private readonly disabled: Record<Tier, ReadonlyMap<string, string>>;
  private readonly tierFor: (media: MediaKind) => Tier;

  constructor(options: ModerationEngineOptions) {
    this.policy = options.policy;
    this.tier = options.tier;
    const tierFor = options.tierFor ?? (() => options.tier);
    this.tierFor = tierFor;
    // Only detectors some media kind can reach through its tier: the others are never loaded or fingerprinted.
    this.detectors = options.detectors.filter((d) => d.media.some((m) => d.tiers.includes(tierFor(m))));
    this.cache = options.cache;
    this.escalateTo = options.escalateTo;
    this.now = options.now ?? (() => new Date());
    this.disabled = { fast: disabledIn('fast', options.policy), heavy: disabledIn('heavy', options.policy) };
    this.fingerprint = createHash('sha256')
      .update(
        JSON.stringify({
          engine: ENGINE_VERSION,
          policy: options.policy,
          detectors: this.detectors.map((d) => [d.id, d.version, d.model?.id, d.model?.version]),
        }),
      )
      .digest('hex')
      .slice(0, 16);
    this.logger = (options.logger ?? silentLogger).child({
      policyId: options.policy.id,
      policyVersion: options.policy.version,
      tier: options.tier,
    });
  }

  /**
   * Hash of what shapes the scores of `media` items decided in `tier`: the engine version, the detectors that
   * apply with their versions, models and disabled state, and the score-affecting policy settings
   * ({@link scoringSettings}). Verdicts record it, so a sweep can tell a threshold-only change (same hash: re-decide
   * from stored signals) from one that needs the models run again. A tier this engine hands to `escalateTo` is
   * answered by that engine.
   */
  scoringHash(media: MediaKind, tier: Tier): string {
    if (tier !== this.tierFor(media) && this.escalateTo) return this.escalateTo.scoringHash(media, tier);
    const applicable = this.detectors.filter((d) => d.media.includes(media) && d.tiers.includes(tier));
    return createHash('sha256')
      .update(
        JSON.stringify({
          engine: ENGINE_VERSION,
          settings: scoringSettings(this.policy, media),
          detectors: applicable.map((d) => [
            d.id,
            d.version,
            d.model?.id ?? null,
            d.model?.version ?? null,
            this.disabled[tier].get(d.id) ?? null,
          ]),
        }),
      )
      .digest('hex')
      .slice(0, 16);
  }

  /**
   * Loads the models of the detectors this engine's own tier runs, so the first item does not pay for it. Detectors
   * of media routed to another tier (audio and video in a local scan) load on first use: a run without such items
   * never holds their models (InceptionV3 alone is about 280 MiB). Failures surface per item.
   */
  async warmUp(): Promise<void> {
    const own = this.detectors.filter((d) =>
      d.media.some((m) => this.tierFor(m) === this.tier && d.tiers.includes(this.tier)),
    );
    await Promise.allSettled(own.map((d) => ensureInit(d)));
  }

  /** Moderates one item. Always resolves to exactly one verdict. */
  async moderate(source: ItemSource, ctx: ModerateContext = {}): Promise<Verdict> {
    const started = performance.now();
    const log = this.logger.child({ itemId: source.uri, ...(ctx.runId ? { runId: ctx.runId } : {}) });
    let item: VerdictItem = {
      uri: source.uri,
      sha256: '',
      media: 'unknown',
      format: 'unknown',
      bytes: source.size,
    };
    const vctx = { policy: this.policy, runId: ctx.runId, createdAt: this.now() };
    let spoolPath: string | undefined;
    try {
      const { limits } = this.policy;
      if (source.size > limits.maxItemBytes) {
        throw new ItemTooLargeError(
          `item is ${source.size} bytes; the policy limit is ${limits.maxItemBytes}`,
        );
      }
      const read = await readItem(await source.open(), {
        keepLimit: limits.maxTextBytes,
        // ffmpeg reads audio and video from a file (MP4 indexes may sit at the end), so they go to disk, not memory.
        spoolWhen: (head) => SPOOLED_MEDIA.has(sniffMedia(head).kind),
      });
      spoolPath = read.spoolPath;
      const media = sniffMedia(read.head);
      item = {
        uri: source.uri,
        sha256: read.sha256,
        media: media.kind,
        format: media.format,
        bytes: read.bytes,
      };
      if (read.bytes === 0) throw new EmptyItemError('the item has no bytes');
      if (read.bytes > limits.maxItemBytes) {
        throw new ItemTooLargeError(
          `item is ${read.bytes} bytes; the policy limit is ${limits.maxItemBytes}`,
        );
      }
      if (media.kind === 'unknown') {
        throw new UnsupportedMediaError('the bytes match no supported text, image, audio or video format');
      }

      const key: ContentKey = {
        sha256: read.sha256,
        policyVersion: this.policy.version,
        detectorsFingerprint: await this.contentFingerprint(media.kind),
      };
      const hit = await this.cache?.get(key);
      if (hit) {
        const verdict = buildVerdict(
          item,
          hit,
          { ...vctx, scoringHash: this.scoringHash(media.kind, hit.tier) },
          true,
        );
        this.logDone(log, verdict, started);
        return this.escalate(verdict, source, ctx, log);
      }

      const result = await this.score(
        media,
        read.content ?? read.spoolPath,
        { bytes: read.bytes, sha256: read.sha256 },
        log,
        ctx.signal,
      );
      if (!result.detectors.some((d) => d.status === 'failed')) await this.cache?.put(key, result);
      const verdict = buildVerdict(
        item,
        result,
        { ...vctx, scoringHash: this.scoringHash(media.kind, result.tier) },
        false,
      );
      this.logDone(log, verdict, started);
      return this.escalate(verdict, source, ctx, log);
    } catch (err) {
      const info = toErrorInfo(err);
      if (!(err instanceof WinnowError)) log.error('unexpected failure', { code: info.code, error: err });
      const verdict = errorVerdict(item, info, { ...vctx, tier: this.tier });
      this.logDone(log, verdict, started);
      return verdict;
    } finally {
      await removeSpool(spoolPath).catch((error: unknown) =>
        log.warn('cannot remove a temporary copy', { error, path: spoolPath }),
      );
    }
  }

  /**
   * The content cache's detector fingerprint for an item of `media`: {@link fingerprint}, combined with the data
   * versions of the detectors that apply (the hash banks' versions), so a cached result is not reused once a bank
   * it was matched against has changed. Keying on the versions rather than leaving hash matching out of the cache
   * keeps cache hits free of any decoding; the price is that a bank change makes the image and video results
   * cached before it miss once.
   */
  private async contentFingerprint(media: MediaKind): Promise<string> {
    const tier = this.tierFor(media);
    const versions: string[] = [];
    for (const d of this.detectors) {
      if (!d.dataVersion || !d.media.includes(media) || !d.tiers.includes(tier)) continue;
      if (this.disabled[tier].has(d.id)) continue;
      const v = await d.dataVersion();
      if (v !== undefined) versions.push(`${d.id}=${v}`);
    }
    if (versions.length === 0) return this.fingerprint;
    return createHash('sha256')
      .update(JSON.stringify([this.fingerprint, ...versions]))
      .digest('hex')
      .slice(0, 16);
  }

  private async score(
    media: MediaInfo,
    content: Buffer | string | undefined,
    item: { readonly bytes: number; readonly sha256: string },
    log: Logger,
    signal?: AbortSignal,
  ): Promise<CachedResult> {
    const { bytes } = item;
    const tier = this.tierFor(media.kind);
    const applicable = this.detectors.filter((d) => d.media.includes(media.kind) && d.tiers.includes(tier));
    if (media.format === 'hls') {
      throw new UnsupportedMediaError(
        'an HLS playlist only points at other files or URLs; Winnow moderates files, and never fetches what they reference',
      );
    }
    if (applicable.length === 0) {
      throw new NotImplementedError(`no ${media.kind} detectors in the ${tier} tier (${media.format})`);
    }
    if (content === undefined) {
      throw new ItemTooLargeError(
        `${media.kind} item is ${bytes} bytes; the policy limit for buffered items is ${this.policy.limits.maxTextBytes}`,
      );
    }
    const prepared = await this.prepare(media, content, item.sha256, signal);
    const mediaSec =
      prepared.input.kind === 'video' || prepared.input.kind === 'audio' ? prepared.input.durationSec : 0;
    const outcome = await runDetectors(applicable, prepared.input, {
      // Long media may take about as long as it plays, on top of the per-item budget.
      timeoutMs: this.policy.limits.detectorTimeoutMs + Math.ceil(mediaSec * 1000),
      logger: log,
      disabled: this.disabled[tier],
      signal,
      policy: this.policy,
    });
    const runs = [prepared.run, ...outcome.runs];
    const signals = [...prepared.signals, ...outcome.signals];
    const ran = outcome.runs.filter((r) => r.status !== 'skipped');
    const base = { segments: [], signals, detectors: runs, actions: [], tier, categories: [] };
    if (outcome.mediaError) {
      // A damaged or truncated file: what the other detectors saw is only part of it, so no decision is made.
      return { ...base, signals: [], decision: 'error', error: outcome.mediaError };
    }
    if (ran.length > 0 && ran.every((r) => r.status === 'failed')) {
      return {
        ...base,
        decision: 'error',
        error: {
          code: 'detectors-failed',
          message: 'every detector failed; see detectors[].reason',
          retryable: true,
        },
      };
    }
    if (ran.length === 0) {
      // Nothing looked at the item: an allow here would be a silent pass.
      const reasons = outcome.runs.map((r) => `${r.id}: ${r.reason ?? 'skipped'}`).join('; ');
      return {
        ...base,
        decision: 'error',
        error: { code: 'detectors-skipped', message: reasons, retryable: false },
      };
    }
    const policy = evaluatePolicy(this.policy, signals);
    if (policy.unknownCategories.length > 0) {
      log.warn('signals named categories the policy does not define', {
        categories: policy.unknownCategories,
      });
    }
    return {
      decision: policy.decision,
      categories: policy.categories,
      segments: buildSegments(this.policy, signals),
      signals,
      detectors: runs,
      actions: policy.actions,
      tier,
    };
  }

  /** Turns the item's bytes into what its detectors read, with the preparing stage recorded like a detector. */
  private async prepare(
    media: MediaInfo,
    content: Buffer | string,
    sha256: string,
    signal?: AbortSignal,
  ): Promise<{ input: DetectorInput; signals: Signal[]; run: DetectorRun }> {
    if (media.kind === 'video') {
      const started = performance.now();
      const path = mustBePath(content);
      const probe = await probeMedia(path, { signal });
      this.checkDuration(probe.durationSec);
      if (!probe.video) throw new CorruptMediaError(`the ${media.format} file has no video stream`);
      const v = this.policy.video;
      return {
        input: {
          kind: 'video',
          path,
          probe,
          durationSec: probe.durationSec ?? 0,
          sha256,
          settings: {
            sampling: {
              ...DEFAULT_FRAME_SAMPLING,
              fps: v.fps,
              sceneThreshold: v.sceneThreshold,
              maxSide: v.frameMaxSide,
              maxDurationSec: this.policy.limits.maxMediaDurationSec,
            },
            ocr: v.ocr,
            frameModel: v.frameModel,
          },
        },
        signals: [],
        run: { ...VIDEO_PROBE_STAGE, status: 'ok', durationMs: Math.round(performance.now() - started) },
      };
    }
    if (media.kind === 'image') {
      const started = performance.now();
      const bytes = mustBeBuffer(content);
      const image = await decodeImage(bytes, media.format);
      return {
        input: { kind: 'image', image, bytes, sha256 },
        signals: [],
        run: { ...IMAGE_DECODE_STAGE, status: 'ok', durationMs: Math.round(performance.now() - started) },
      };
    }
    if (media.kind === 'audio') {
      const started = performance.now();
      if (typeof content === 'string')
        this.checkDuration((await probeMedia(content, { signal })).durationSec);
      const audio = await decodeAudio(content, {
        signal,
        maxDurationSec: this.policy.limits.maxMediaDurationSec,
      });
      return {
        input: {
          kind: 'audio',
          pcm: audio.pcm,
          sampleRate: audio.sampleRate,
          durationSec: audio.durationSec,
        },
        signals: [],
        run: { ...AUDIO_DECODE_STAGE, status: 'ok', durationMs: Math.round(performance.now() - started) },
      };
    }
    const decoded = decodeText(mustBeBuffer(content), media.format);
    return {
      input: {
        kind: 'text',
        text: decoded.text,
        normalized: normalizeText(decoded.text),
        invalidEncoding: decoded.invalidEncoding,
      },
      signals: decoded.invalidEncoding
        ? [{ detector: DECODE_STAGE.id, category: null, label: 'invalid-encoding', score: 1, evidence: [] }]
        : [],
      run: { ...DECODE_STAGE, status: 'ok' },
    };
  }

  /** Hands an uncertain fast-tier verdict to the heavy tier, or marks it pending when there is none here. */
  private async escalate(
    verdict: Verdict,
    source: ItemSource,
    ctx: ModerateContext,
    log: Logger,
  ): Promise<Verdict> {
    if (verdict.decision === 'error') return verdict;
    const reason = escalationReason(this.policy, verdict.tier, verdict.item.media, verdict.categories);
    if (!reason) return verdict;
    if (!this.escalateTo) return { ...verdict, escalation: { status: 'pending', reason } };
    log.info('escalating to the heavy tier', { reason });
    const heavy = await this.escalateTo.moderate(source, ctx);
    return heavy.decision === 'error'
      ? // The fast verdict stands when the heavy tier cannot decide; it stays marked pending for a retry.
        {
          ...verdict,
          escalation: { status: 'pending', reason: `${reason}; heavy tier failed: ${heavy.error?.code}` },
        }
      : { ...heavy, escalation: { status: 'resolved', reason, from: 'fast' } };
  }

  /** Refuses media longer than the policy allows, from the header, before anything is decoded. */
  private checkDuration(durationSec: number | undefined): void {
    const max = this.policy.limits.maxMediaDurationSec;
    if (durationSec !== undefined && durationSec > max) {
      throw new MediaTooLongError(
        `the media lasts ${Math.round(durationSec)} s; the policy limit is ${max} s`,
      );
    }
  }

  private logDone(log: Logger, verdict: Verdict, started: number): void {
    if (!log.enabled('info')) return;
    log.info('item moderated', {
      decision: verdict.decision,
      media: verdict.item.media,
      bytes: verdict.item.bytes,
      cached: verdict.cached,
      ...(verdict.error ? { code: verdict.error.code } : {}),
      categories: verdict.categories.filter((c) => c.decision !== 'allow').map((c) => c.id),
      models: verdict.detectors.filter((d) => d.model).map((d) => `${d.model?.id}@${d.model?.version}`),
      durationMs: Math.round(performance.now() - started),
    });
  }
}

/** Detectors the policy switches off in `tier`, with the reason each verdict records. */
function disabledIn(tier: Tier, policy: Policy): ReadonlyMap<string, string> {
  const off = new Map<string, string>(policy.disabledDetectors.map((id) => [id, 'disabled by policy']));
  if (tier === 'fast' && !policy.ocr.fastTier && !off.has(IMAGE_OCR_DETECTOR_ID)) {
    off.set(IMAGE_OCR_DETECTOR_ID, 'OCR is off in the fast tier by policy (ocr.fastTier: false)');
  }
  return off;
}

/** Media kinds ffmpeg reads from a temporary file rather than memory. */
const SPOOLED_MEDIA: ReadonlySet<MediaKind> = new Set(['audio', 'video']);

function mustBePath(content: Buffer | string): string {
  if (typeof content !== 'string') throw new Error('media content was not spooled to a file');
  return content;
}

function mustBeBuffer(content: Buffer | string): Buffer {
  if (typeof content === 'string') throw new Error('content was spooled but is needed in memory');
  return content;
}
