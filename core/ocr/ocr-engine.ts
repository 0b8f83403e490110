import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { ModelLoadError } from '../errors';
import type { RgbFrame } from '../image/decode-image';
import { pixelsToTensor } from '../image/pixels-to-tensor';
import type { ImagePreprocessing, ModelEntry } from '../models/model-manifest';
import type { ModelRegistry } from '../models/model-registry';
import { ctcGreedyDecode } from './ctc-decode';
import { recoverSpaces } from './recover-spaces';
import {
  DEFAULT_TEXT_BOX_OPTIONS,
  type TextBox,
  type TextBoxOptions,
  textBoxesFromProbabilities,
} from './text-box-detection';

/** One recognised line of text on a frame. */
export interface OcrLine {
  readonly box: TextBox;
  readonly text: string;
  /** Mean character confidence (0–1). */
  readonly confidence: number;
  /** True when the orientation model judged the line upside down and it was read rotated. */
  readonly rotated: boolean;
}

/** Manifest ids of the OCR models. */
export interface OcrModelIds {
  /** A `text-detection` model (DB probability map). */
  readonly detection: string;
  /** A `text-recognition` model (CTC over `output.labelsFile`). */
  readonly recognition: string;
  /** An optional `text-orientation` model with labels `0` and `180`. */
  readonly orientation?: string;
}

/** Tuning of {@link OcrEngine}. */
export interface OcrOptions {
  /** Lines read with a lower mean confidence are dropped. */
  readonly minConfidence: number;
  /** Lines recognised per model call. */
  readonly recognitionBatch: number;
  /** Longest line crop, in pixels after scaling to the recogniser's height. */
  readonly maxLineWidth: number;
  /** An upside-down verdict needs at least this probability before a line is rotated. */
  readonly orientationThreshold: number;
  readonly boxes: TextBoxOptions;
}

export const DEFAULT_OCR_OPTIONS: OcrOptions = {
  minConfidence: 0.5,
  recognitionBatch: 6,
  maxLineWidth: 1600,
  orientationThreshold: 0.9,
  boxes: DEFAULT_TEXT_BOX_OPTIONS,
};

/** The PaddleOCR default models Winnow ships (ids in `models/manifest.json`). */
export const DEFAULT_OCR_MODELS: OcrModelIds = {
  detection: 'ocr-det-ppocr-v4',
  recognition: 'ocr-rec-ppocr-v4',
  orientation: 'ocr-cls-ppocr-mobile-v2',
};

interface Crop {
  readonly box: TextBox;
  readonly pixels: Buffer;
  readonly width: number;
  readonly height: number;
}

function preprocessing(entry: ModelEntry): ImagePreprocessing {
  const pre = entry.input.preprocessing;
  if (!pre) throw new ModelLoadError(`model "${entry.id}" has no input.preprocessing in the manifest`);
  if (entry.input.layout !== 'NCHW') throw new ModelLoadError(`model "${entry.id}" must take NCHW input`);
  return pre;
}

function roundTo(value: number, multiple: number): number {
  return Math.max(multiple, Math.round(value / multiple) * multiple);
}

/**
 * Text detection and recognition (PaddleOCR-style) on decoded frames, through the model registry: the detection
 * model finds text regions, each region is cropped, optionally turned upright by the orientation model, and read
 * by the recognition model in batches of lines padded to the widest line.
 */
export class OcrEngine {
  private alphabet: string[] | undefined;
  readonly options: OcrOptions;

  constructor(
    private readonly registry: ModelRegistry,
    readonly models: OcrModelIds = DEFAULT_OCR_MODELS,
    options: Partial<OcrOptions> = {},
  ) {
    this.options = { ...DEFAULT_OCR_OPTIONS, ...options };
  }

  /** Loads (and verifies) every model and the dictionary. */
  async init(): Promise<void> {
    const ids = [this.models.detection, this.models.recognition, this.models.orientation].filter(
      (id): id is string => id !== undefined,
    );
    await Promise.all(ids.map((id) => this.registry.load(id)));
    this.alphabetOf();
  }

  /** The recogniser's characters: the dictionary lines, then a space (class 0 is the CTC blank). */
  private alphabetOf(): string[] {
    if (this.alphabet) return this.alphabet;
    const entry = this.registry.entry(this.models.recognition);
    const file = entry.output.labelsFile;
    const role = Object.entries(entry.files).find(([, f]) => f.file === file)?.[0];
    if (!file || !role) {
      throw new ModelLoadError(`model "${entry.id}" needs output.labelsFile (its character dictionary)`);
    }
    const lines = this.registry.readText(entry.id, role).split(/\r?\n/);
    if (lines[lines.length - 1] === '') lines.pop();
    this.alphabet = [...lines, ' '];
    return this.alphabet;
  }

  /** Reads the text on one frame; lines come in reading order. */
  async recognize(frame: RgbFrame, signal?: AbortSignal): Promise<OcrLine[]> {
    signal?.throwIfAborted();
    const boxes = await this.detect(frame);
    signal?.throwIfAborted();
    if (boxes.length === 0) return [];
    const recEntry = this.registry.entry(this.models.recognition);
    const lineHeight = recEntry.input.shape[2] ?? 48;
    let crops = await Promise.all(boxes.map((box) => this.crop(frame, box, lineHeight)));
    signal?.throwIfAborted();
    const rotated = this.models.orientation ? await this.orient(crops) : crops.map(() => false);
    crops = await Promise.all(
      crops.map(async (c, i) =>
        rotated[i]
          ? {
              ...c,
              pixels: await sharp(c.pixels, { raw: { width: c.width, height: c.height, channels: 3 } })
                .rotate(180)
                .raw()
                .toBuffer(),
            }
          : c,
      ),
    );
    signal?.throwIfAborted();
    const read = await this.read(crops, signal);
    const lines: OcrLine[] = [];
    read.forEach((r, i) => {
      const text = r.text.trim();
      if (text === '' || r.confidence < this.options.minConfidence) return;
      lines.push({
        box: (crops[i] as Crop).box,
        text,
        confidence: r.confidence,
        rotated: rotated[i] ?? false,
      });
    });
    return lines;
  }

  private async detect(frame: RgbFrame): Promise<TextBox[]> {
    const entry = this.registry.entry(this.models.detection);
    const pre = preprocessing(entry);
    const multiple = pre.multipleOf ?? 32;
    const limit = pre.maxSide ?? 960;
    const ratio = Math.min(1, limit / Math.max(frame.width, frame.height));
    const width = roundTo(frame.width * ratio, multiple);
    const height = roundTo(frame.height * ratio, multiple);
    const pixels = await sharp(frame.data, { raw: { width: frame.width, height: frame.height, channels: 3 } })
      .resize(width, height, { fit: 'fill', kernel: 'linear' })
      .raw()
      .toBuffer();
    const data = new Float32Array(3 * width * height);
    pixelsToTensor(pixels, width, height, pre, 'NCHW', data);
    const input = new ort.Tensor('float32', data, [1, 3, height, width]);
    const outputs = await this.registry.runTensors(entry.id, { [entry.input.name]: input });
    input.dispose();
    const out = outputs[entry.output.name];
    if (!out) throw new ModelLoadError(`model "${entry.id}": no output "${entry.output.name}"`);
    const [, , outH = height, outW = width] = out.dims;
    const boxes = textBoxesFromProbabilities(
      out.data as Float32Array,
      outW,
      outH,
      frame.width / outW,
      frame.height / outH,
      frame.width,
      frame.height,
      this.options.boxes,
    );
    for (const t of Object.values(outputs)) t.dispose();
    return boxes;
  }

  /** Cuts a box out of the frame, scaled to the recogniser's line height (width keeps the aspect ratio). */
  private async crop(frame: RgbFrame, box: TextBox, lineHeight: number): Promise<Crop> {
    const width = Math.max(
      1,
      Math.min(this.options.maxLineWidth, Math.round((box.width * lineHeight) / box.height)),
    );
    const pixels = await sharp(frame.data, { raw: { width: frame.width, height: frame.height, channels: 3 } })
      .extract({ left: box.x, top: box.y, width: box.width, height: box.height })
      .resize(width, lineHeight, { fit: 'fill', kernel: 'linear' })
      .raw()
      .toBuffer();
    return { box, pixels, width, height: lineHeight };
  }

  /** Which crops are upside down, by the orientation model (labels `0`/`180`). */
  private async orient(crops: readonly Crop[]): Promise<boolean[]> {
    const id = this.models.orientation as string;
    const entry = this.registry.entry(id);
    const pre = preprocessing(entry);
    const [h, w] = pre.size ?? [48, 192];
    const upside = entry.output.labels?.indexOf('180') ?? -1;
    if (upside < 0) throw new ModelLoadError(`model "${id}" needs output labels "0" and "180"`);
    const plane = h * w;
    const data = new Float32Array(crops.length * 3 * plane);
    await Promise.all(
      crops.map(async (c, i) => {
        const cw = Math.min(w, Math.max(1, Math.round((c.width * h) / c.height)));
        const px = await sharp(c.pixels, { raw: { width: c.width, height: c.height, channels: 3 } })
          .resize(cw, h, { fit: 'fill', kernel: 'linear' })
          .raw()
          .toBuffer();
        pixelsToTensor(px, cw, h, pre, 'NCHW', data, i * 3 * plane, w);
      }),
    );
    const rows = await this.registry.run(id, data, crops.length);
    return rows.map((r) => (r[upside] ?? 0) >= this.options.orientationThreshold);
  }

  /** Recognises crops in batches of similar width (sorted by width so padding stays small). */
  private async read(
    crops: readonly Crop[],
    signal?: AbortSignal,
  ): Promise<{ text: string; confidence: number }[]> {
    const entry = this.registry.entry(this.models.recognition);
    const pre = preprocessing(entry);
    const alphabet = this.alphabetOf();
    const order = crops.map((_, i) => i).sort((a, b) => (crops[a] as Crop).width - (crops[b] as Crop).width);
    const results: { text: string; confidence: number }[] = crops.map(() => ({ text: '', confidence: 0 }));
    for (const batch of widthBatches(order, crops, this.options.recognitionBatch)) {
      signal?.throwIfAborted();
      const h = (crops[batch[0] as number] as Crop).height;
      const w = Math.max(...batch.map((i) => (crops[i] as Crop).width));
      const plane = h * w;
      const data = new Float32Array(batch.length * 3 * plane);
      batch.forEach((ci, b) => {
        const c = crops[ci] as Crop;
        pixelsToTensor(c.pixels, c.width, c.height, pre, 'NCHW', data, b * 3 * plane, w);
      });
      const input = new ort.Tensor('float32', data, [batch.length, 3, h, w]);
      const outputs = await this.registry.runTensors(entry.id, { [entry.input.name]: input });
      input.dispose();
      const out = outputs[entry.output.name];
      if (!out) throw new ModelLoadError(`model "${entry.id}": no output "${entry.output.name}"`);
      const [, steps = 0, classes = 0] = out.dims;
      if (classes !== alphabet.length + 1) {
        throw new ModelLoadError(
          `model "${entry.id}" has ${classes} output classes but its dictionary gives ${alphabet.length + 1}`,
        );
      }
      const probs = out.data as Float32Array;
      batch.forEach((ci, b) => {
        const c = crops[ci] as Crop;
        const r = ctcGreedyDecode(probs, steps, classes, alphabet, b * steps * classes);
        const text = recoverSpaces(r.text, r.steps, w / steps, c.pixels, c.width, c.height);
        results[ci] = { text, confidence: r.confidence };
      });
      for (const t of Object.values(outputs)) t.dispose();
    }
    return results;
  }
}

/**
 * Splits crop indices (sorted by width) into recognition batches. Each batch is padded to its widest line and the
 * recogniser's cost grows with width, so a line much wider than the batch's first starts a new batch.
 */
function widthBatches(order: readonly number[], crops: readonly Crop[], size: number): number[][] {
  const batches: number[][] = [];
  let current: number[] = [];
  for (const i of order) {
    const first = current[0];
    const width = (crops[i] as Crop).width;
    if (first !== undefined && (current.length >= size || width > (crops[first] as Crop).width * 1.25)) {
      batches.push(current);
      current = [];
    }
    current.push(i);
  }
  if (current.length > 0) batches.push(current);
  return batches;
}
