import { CorruptMediaError } from '../../errors';
import type { ModelEntry } from '../../models/model-manifest';
import type { ModelRegistry } from '../../models/model-registry';
import { OcrEngine } from '../../ocr/ocr-engine';
import { findInLines, layoutLines, lineRegion, type PlacedLine } from '../../ocr/ocr-text-findings';
import type { Evidence, Signal } from '../../signals';
import { type FrameThumbnail, frameThumbnail, thumbnailChange } from '../../video/frame-thumbnail';
import { sampleFrames, type TimedFrame } from '../../video/sample-frames';
import type { Detector, DetectorContext, TextContent, VideoContent } from '../detector';
import { categoryScores, frameBatch } from '../image/image-classifier-detector';

/** Id of the video frame detector. */
export const VIDEO_FRAMES_DETECTOR_ID = 'video-frames';

/** Options for {@link createVideoFramesDetector}. */
export interface VideoFramesDetectorOptions {
  readonly registry: ModelRegistry;
  /** Classifier used when the policy says `video.frameModel: fast`. */
  readonly fastModelId: string;
  /** Classifier used when the policy says `video.frameModel: heavy`. */
  readonly heavyModelId: string;
  /** Detectors run on text read from frames. */
  readonly textDetectors: readonly Detector<TextContent>[];
  /** Default: the PaddleOCR models of the manifest. */
  readonly ocr?: OcrEngine;
  /**
   * A frame whose 16×16 grey thumbnail differs from the last classified frame's by at most this much in every
   * cell (0–255) is a near-duplicate and reuses its scores (default 12).
   */
  readonly duplicateMaxDiff?: number;
  /** With `ocr: keyframes`, a frame where this many thumbnail cells changed by more than 24 is a scene change (default 64 of 256). */
  readonly sceneChangeCells?: number;
  /** With `ocr: keyframes`, at most one OCR per this many seconds (default 1). */
  readonly ocrMinIntervalSec?: number;
  /**
   * Frames per classifier call. Default 8 on CUDA, where batches pay off; 1 on CPU, where a batch of 8 costs the
   * same per frame (BENCHMARKS.md) and single frames keep the timeline streaming.
   */
  readonly batchSize?: number;
  /** Frame scores below this are not timeline evidence (default 0.2). */
  readonly scoreFloor?: number;
}

interface Slot {
  readonly start: number;
  end: number;
  /** Index into `scored` of the frame whose scores this slot uses. */
  readonly scoredIndex: number;
}

/**
 * Sampled video frames through the image classifier and OCR. Frames stream from ffmpeg (one per second plus scene
 * changes, by the policy); near-duplicates of the last classified frame (no cell of a 16×16 grey thumbnail moved by
 * more than a few levels) reuse its scores, so a static video costs little; the rest are classified (in batches on
 * a GPU). OCR
 * reads keyframes (the first frame, codec keyframes and scene changes, at most one per `ocrMinIntervalSec`) or every
 * classified frame. Each category gets one signal per
 * run of consecutive frames scoring at least `scoreFloor`, with the run's time range as evidence, plus its
 * highest frame score, so category scores and timeline segments agree.
 */
export function createVideoFramesDetector(options: VideoFramesDetectorOptions): Detector<VideoContent> {
  const { registry } = options;
  const ocr = options.ocr ?? new OcrEngine(registry);
  const duplicateMaxDiff = options.duplicateMaxDiff ?? 12;
  const sceneChangeCells = options.sceneChangeCells ?? 64;
  const ocrMinIntervalSec = options.ocrMinIntervalSec ?? 1;
  const batchSize = options.batchSize ?? (registry.executionProvider === 'cuda' ? 8 : 1);
  const floor = options.scoreFloor ?? 0.2;
  const ocrIds = [ocr.models.detection, ocr.models.recognition, ocr.models.orientation].filter(
    (x): x is string => !!x,
  );
  const modelIds = [options.heavyModelId, options.fastModelId, ...ocrIds];
  return {
    id: VIDEO_FRAMES_DETECTOR_ID,
    version: '1.0.0',
    media: ['video'],
    tiers: ['heavy'],
    model: {
      id: modelIds.join('+'),
      version: modelIds.map((id) => registry.entry(id).version).join('+'),
    },
    async init() {
      await Promise.all([
        registry.load(options.heavyModelId),
        registry.load(options.fastModelId),
        ocr.init(),
        ...options.textDetectors.map((d) => d.init?.()),
      ]);
    },
    async detect(input, ctx) {
      const { settings } = input;
      const entry = registry.entry(
        settings.frameModel === 'fast' ? options.fastModelId : options.heavyModelId,
      );
      const period = 1 / settings.sampling.fps;
      const slots: Slot[] = [];
      const scored: { time: number; scores: Map<string, { score: number; label: string }> }[] = [];
      const ocrSignals: Signal[] = [];
      let batch: TimedFrame[] = [];
      let lastClassified: FrameThumbnail | undefined;
      let lastRead: { thumb: FrameThumbnail; time: number } | undefined;
      let sampled = 0;
      let keyframes = 0;

      // Frames sent to the classifier so far: a slot's index into `scored` once their batches have run.
      let queued = 0;
      // The next batch is resized on sharp's threads while onnxruntime holds this one on the main thread.
      let prepared: { frames: TimedFrame[]; input: Promise<Float32Array> } | undefined;
      const runPrepared = async () => {
        if (!prepared) return;
        const { frames, input } = prepared;
        prepared = undefined;
        const data = await input;
        ctx.signal.throwIfAborted();
        const rows = await registry.run(entry.id, data, frames.length);
        rows.forEach((row, i) => {
          scored.push({ time: (frames[i] as TimedFrame).time, scores: categoryScores(entry, row) });
        });
      };
      const flush = async () => {
        if (batch.length === 0) return;
        const next = { frames: batch, input: frameBatch(entry, batch) };
        // Awaited in runPrepared; until then a failure must not count as unhandled.
        next.input.catch(() => undefined);
        batch = [];
        await runPrepared();
        prepared = next;
      };

      for await (const frame of sampleFrames(input.path, {
        sampling: settings.sampling,
        signal: ctx.signal,
      })) {
        sampled++;
        const last = slots.at(-1);
        if (last) last.end = Math.max(last.start, frame.time);
        const thumb = frameThumbnail(frame.data, frame.width, frame.height);
        const duplicate =
          lastClassified && thumbnailChange(thumb, lastClassified, 24).maxDiff <= duplicateMaxDiff;
        if (duplicate) {
          slots.push({
            start: frame.time,
            end: frame.time + period,
            scoredIndex: queued - 1,
          });
          continue;
        }
        lastClassified = thumb;
        slots.push({
          start: frame.time,
          end: frame.time + period,
          scoredIndex: queued++,
        });
        batch.push(frame);
        if (batch.length >= batchSize) await flush();
        const keyframe =
          settings.ocr === 'all' ||
          (settings.ocr === 'keyframes' &&
            (lastRead === undefined ||
              (frame.time - lastRead.time >= ocrMinIntervalSec &&
                (frame.keyframe ||
                  thumbnailChange(thumb, lastRead.thumb, 24).changedCells >= sceneChangeCells))));
        if (keyframe) {
          lastRead = { thumb, time: frame.time };
          keyframes++;
          ocrSignals.push(...(await readFrame(frame, period, ctx)));
        }
      }
      await flush();
      await runPrepared();
      const covered = slots.at(-1)?.start ?? 0;
      if (input.durationSec - covered > Math.max(2 * period, 0.1 * input.durationSec)) {
        throw new CorruptMediaError(
          `frames could be decoded only up to ${covered.toFixed(1)} s of the ${input.durationSec.toFixed(1)} s the ` +
            'container states: the file is truncated or damaged',
        );
      }
      const lastSlot = slots.at(-1);
      if (lastSlot)
        lastSlot.end = Math.max(lastSlot.end, Math.min(input.durationSec, lastSlot.start + period));

      const signals: Signal[] = [
        {
          detector: VIDEO_FRAMES_DETECTOR_ID,
          category: null,
          label: 'frames',
          score: 1,
          evidence: [
            {
              kind: 'note',
              text:
                `${sampled} frames sampled, ${scored.length} classified with ${entry.id} ` +
                `(${sampled - scored.length} near-duplicates reused), OCR on ${keyframes} (${settings.ocr})`,
            },
          ],
        },
        ...runSignals(slots, scored, entry, floor),
        ...ocrSignals,
      ];
      return signals;
    },
  };

  async function readFrame(frame: TimedFrame, period: number, ctx: DetectorContext): Promise<Signal[]> {
    const { text, placed } = layoutLines([
      { frame: frame.index, lines: await ocr.recognize(frame, ctx.signal) },
    ]);
    if (placed.length === 0) return [];
    const time: Evidence = { kind: 'time', start: frame.time, end: frame.time + period };
    return (await findInLines(text, placed, options.textDetectors, ctx)).map(({ signal: s, hits }) => {
      // One region per line: every rule that matched on it, over the widest matched range.
      const perLine = new Map<PlacedLine, { from: number; to: number; rules: Set<string> }>();
      for (const h of hits) {
        if (h.to <= h.from) continue;
        const merged = perLine.get(h.placed) ?? { from: h.from, to: h.to, rules: new Set<string>() };
        merged.from = Math.min(merged.from, h.from);
        merged.to = Math.max(merged.to, h.to);
        if (h.rule) merged.rules.add(h.rule);
        perLine.set(h.placed, merged);
      }
      const regions = [...perLine.entries()].map(([p, m]) =>
        lineRegion(
          p,
          { from: m.from, to: m.to, ...(m.rules.size ? { rule: [...m.rules].join(',') } : {}) },
          s.category,
        ),
      );
      return {
        ...s,
        detector: VIDEO_FRAMES_DETECTOR_ID,
        label: `ocr:${s.label}`,
        evidence: [time, ...regions],
      };
    });
  }
}

/** One signal per category per run of consecutive frames at or above `floor`, plus each category's peak. */
function runSignals(
  slots: readonly Slot[],
  scored: readonly { time: number; scores: Map<string, { score: number; label: string }> }[],
  entry: ModelEntry,
  floor: number,
): Signal[] {
  const out: Signal[] = [];
  for (const category of Object.keys(entry.categories ?? {})) {
    let run: { start: number; end: number; score: number; label: string; at: number } | undefined;
    let peak = { score: 0, label: '', at: 0 };
    const runs: NonNullable<typeof run>[] = [];
    for (const slot of slots) {
      const s = scored[slot.scoredIndex]?.scores.get(category);
      if (!s) continue;
      if (s.score > peak.score) peak = { score: s.score, label: s.label, at: slot.start };
      if (s.score >= floor) {
        if (run && slot.start <= run.end + 1e-6) {
          run.end = slot.end;
          if (s.score > run.score) Object.assign(run, { score: s.score, label: s.label, at: slot.start });
        } else {
          run = { start: slot.start, end: slot.end, score: s.score, label: s.label, at: slot.start };
          runs.push(run);
        }
      } else {
        run = undefined;
      }
    }
    const round = (x: number) => Math.round(x * 10_000) / 10_000;
    for (const r of runs) {
      out.push({
        detector: VIDEO_FRAMES_DETECTOR_ID,
        category,
        label: r.label,
        score: round(r.score),
        evidence: [
          { kind: 'time', start: round(r.start), end: round(r.end) },
          {
            kind: 'note',
            text: `${entry.id}: highest ${r.label} ${r.score.toFixed(3)} at ${r.at.toFixed(2)} s`,
          },
        ],
      });
    }
    if (runs.length === 0 && peak.score > 0) {
      // Below the floor: the category still gets its score, but no timeline segment.
      out.push({
        detector: VIDEO_FRAMES_DETECTOR_ID,
        category,
        label: peak.label,
        score: round(peak.score),
        evidence: [
          {
            kind: 'note',
            text: `${entry.id}: highest ${peak.label} ${peak.score.toFixed(3)} at ${peak.at.toFixed(2)} s`,
          },
        ],
      });
    }
  }
  return out;
}
