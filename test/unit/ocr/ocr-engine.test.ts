/**
 * @jest-environment ./test/helpers/onnx-environment.js
 */
import sharp from 'sharp';
import { decodeImage, type RgbFrame } from '../../../core/image/decode-image';
import { ModelRegistry } from '../../../core/models/model-registry';
import { DEFAULT_OCR_MODELS, OcrEngine, type OcrLine } from '../../../core/ocr/ocr-engine';
import type { TextBox } from '../../../core/ocr/text-box-detection';

interface Label {
  readonly text: string;
  readonly x: number;
  /** Baseline. */
  readonly y: number;
  readonly size: number;
}

interface Scene {
  readonly width: number;
  readonly height: number;
  readonly background?: string;
  readonly ink?: string;
  readonly labels: readonly Label[];
}

function svg(scene: Scene): Buffer {
  const { width, height, background = 'white', ink = 'black' } = scene;
  const texts = scene.labels
    .map(
      (l) =>
        `<text x="${l.x}" y="${l.y}" font-family="DejaVu Sans" font-size="${l.size}" fill="${ink}">${l.text}</text>`,
    )
    .join('');
  return Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">` +
      `<rect width="100%" height="100%" fill="${background}"/>${texts}</svg>`,
  );
}

/** Renders the scene to PNG (optionally turned by 180°) and decodes it the way a scan does. */
async function render(scene: Scene, rotate180 = false): Promise<RgbFrame> {
  const png = await (rotate180 ? sharp(svg(scene)).rotate(180) : sharp(svg(scene))).png().toBuffer();
  const image = await decodeImage(png, 'png');
  const frame = image.frames[0];
  if (!frame) throw new Error('no frame decoded');
  return frame;
}

interface Rect {
  readonly x0: number;
  readonly y0: number;
  /** Exclusive. */
  readonly x1: number;
  /** Exclusive. */
  readonly y1: number;
}

/** The bounding box of the pixels that differ clearly from the top-left (background) pixel, within `within`. */
function inkBounds(frame: RgbFrame, within?: Rect): Rect {
  const area = within ?? { x0: 0, y0: 0, x1: frame.width, y1: frame.height };
  const bg = frame.data[0] as number;
  let x0 = Number.POSITIVE_INFINITY;
  let y0 = Number.POSITIVE_INFINITY;
  let x1 = -1;
  let y1 = -1;
  for (let y = area.y0; y < area.y1; y++) {
    for (let x = area.x0; x < area.x1; x++) {
      if (Math.abs((frame.data[(y * frame.width + x) * 3] as number) - bg) > 96) {
        x0 = Math.min(x0, x);
        y0 = Math.min(y0, y);
        x1 = Math.max(x1, x + 1);
        y1 = Math.max(y1, y + 1);
      }
    }
  }
  if (x1 < 0) throw new Error('no ink in the area');
  return { x0, y0, x1, y1 };
}

/** The box covers the ink (give or take `slack` pixels) without being much larger than it. */
function expectCovers(box: TextBox, ink: Rect, slack = 2): void {
  const inkHeight = ink.y1 - ink.y0;
  expect(box.x).toBeLessThanOrEqual(ink.x0 + slack);
  expect(box.y).toBeLessThanOrEqual(ink.y0 + slack);
  expect(box.x + box.width).toBeGreaterThanOrEqual(ink.x1 - slack);
  expect(box.y + box.height).toBeGreaterThanOrEqual(ink.y1 - slack);
  // Not much larger: at most about half a line height of margin on any side.
  expect(box.x).toBeGreaterThanOrEqual(ink.x0 - inkHeight);
  expect(box.y).toBeGreaterThanOrEqual(ink.y0 - inkHeight / 2);
  expect(box.x + box.width).toBeLessThanOrEqual(ink.x1 + inkHeight);
  expect(box.y + box.height).toBeLessThanOrEqual(ink.y1 + inkHeight / 2);
}

/** The recogniser sometimes drops or adds spaces, and may read capitals as lower case. */
const squash = (text: string): string => text.replace(/\s+/g, '').toUpperCase();

const texts = (lines: readonly OcrLine[]): string[] => lines.map((l) => squash(l.text));

const HELLO: Scene = {
  width: 640,
  height: 160,
  labels: [{ text: 'HELLO WORLD 2026', x: 40, y: 100, size: 48 }],
};

describe('OcrEngine (real PaddleOCR models)', () => {
  let registry: ModelRegistry;
  let engine: OcrEngine;

  beforeAll(async () => {
    registry = new ModelRegistry({ env: {} });
    engine = new OcrEngine(registry);
    await engine.init();
  });

  afterAll(async () => {
    await ModelRegistry.releaseAll();
  });

  it('reads dark text on a light background', async () => {
    const frame = await render(HELLO);
    const lines = await engine.recognize(frame);
    expect(texts(lines)).toEqual(['HELLOWORLD2026']);
    const [line] = lines as [OcrLine];
    expect(line.rotated).toBe(false);
    expect(line.confidence).toBeGreaterThanOrEqual(engine.options.minConfidence);
    expect(line.confidence).toBeLessThanOrEqual(1);
    expect(line.box.score).toBeGreaterThan(0.6);
    expectCovers(line.box, inkBounds(frame));
  });

  it('reads light text on a dark background', async () => {
    const frame = await render({ ...HELLO, background: 'black', ink: 'white' });
    const lines = await engine.recognize(frame);
    expect(texts(lines)).toEqual(['HELLOWORLD2026']);
    expectCovers((lines[0] as OcrLine).box, inkBounds(frame));
  });

  it('reads lower-case text with its word spaces', async () => {
    const frame = await render({
      width: 640,
      height: 160,
      labels: [{ text: 'claim your prize', x: 40, y: 100, size: 48 }],
    });
    const lines = await engine.recognize(frame);
    expect(lines.map((l) => l.text.toLowerCase().replace(/\s+/g, ' '))).toEqual(['claim your prize']);
  });

  it('returns two lines in reading order with boxes around the drawn text', async () => {
    const frame = await render({
      width: 640,
      height: 260,
      labels: [
        // The lower line is longer and starts further left, so neither size nor x gives the order.
        { text: 'FIRST LINE', x: 120, y: 90, size: 48 },
        { text: 'SECOND LONGER LINE', x: 30, y: 200, size: 48 },
      ],
    });
    const lines = await engine.recognize(frame);
    expect(texts(lines)).toEqual(['FIRSTLINE', 'SECONDLONGERLINE']);
    const split = 130;
    expectCovers((lines[0] as OcrLine).box, inkBounds(frame, { x0: 0, y0: 0, x1: 640, y1: split }));
    expectCovers((lines[1] as OcrLine).box, inkBounds(frame, { x0: 0, y0: split, x1: 640, y1: 260 }));
  });

  it('maps each line back to its own box across several recognition batches', async () => {
    const words = [
      'APPLE',
      'BANANA SPLIT',
      'CHERRY PIE 42',
      'LEMON',
      'ORANGE JUICE',
      'PEACH',
      'WATERMELON 7',
    ];
    const labels = words.map((text, i) => ({ text, x: 20 + (i % 3) * 30, y: 50 + i * 60, size: 36 }));
    const frame = await render({ width: 560, height: 60 * words.length + 20, labels });
    // Batches of 3 lines sorted by width: results must still land on the right line, in reading order.
    const batched = new OcrEngine(registry, DEFAULT_OCR_MODELS, { recognitionBatch: 3 });
    await batched.init();
    const lines = await batched.recognize(frame);
    expect(texts(lines)).toEqual(words.map(squash));
    lines.forEach((line, i) => {
      const top = 50 + i * 60 - 45;
      expectCovers(line.box, inkBounds(frame, { x0: 0, y0: top, x1: 560, y1: top + 60 }));
    });
  });

  it('returns no lines for an image without text', async () => {
    const frame = await render({ width: 400, height: 300, labels: [] });
    expect(await engine.recognize(frame)).toEqual([]);
    const dark = await render({ width: 400, height: 300, background: '#336699', labels: [] });
    expect(await engine.recognize(dark)).toEqual([]);
  });

  it('reads upside-down text and marks it rotated', async () => {
    const frame = await render(HELLO, true);
    const lines = await engine.recognize(frame);
    expect(texts(lines)).toEqual(['HELLOWORLD2026']);
    const [line] = lines as [OcrLine];
    expect(line.rotated).toBe(true);
    // The box is in the coordinates of the (rotated) frame it was given.
    expectCovers(line.box, inkBounds(frame));
  });

  it('does not mark upright text rotated and never rotates without an orientation model', async () => {
    const upright = await engine.recognize(await render(HELLO));
    expect(upright.map((l) => l.rotated)).toEqual([false]);
    const noOrientation = new OcrEngine(registry, {
      detection: DEFAULT_OCR_MODELS.detection,
      recognition: DEFAULT_OCR_MODELS.recognition,
    });
    const lines = await noOrientation.recognize(await render(HELLO, true));
    expect(lines.every((l) => !l.rotated)).toBe(true);
    expect(texts(lines)).not.toEqual(['HELLOWORLD2026']);
  });

  it('scales a large image down for detection and reports boxes in original-frame coordinates', async () => {
    const frame = await render({
      width: 3000,
      height: 2000,
      labels: [{ text: 'HELLO WORLD 2026', x: 300, y: 1000, size: 160 }],
    });
    const lines = await engine.recognize(frame);
    expect(texts(lines)).toEqual(['HELLOWORLD2026']);
    const ink = inkBounds(frame, { x0: 0, y0: 600, x1: 3000, y1: 1200 });
    // One probability-map pixel is 3000 / 960 ≈ 3 frame pixels.
    expectCovers((lines[0] as OcrLine).box, ink, 8);
    expect((lines[0] as OcrLine).box.x + (lines[0] as OcrLine).box.width).toBeGreaterThan(1500);
  });

  it('drops every line below minConfidence', async () => {
    const strict = new OcrEngine(registry, DEFAULT_OCR_MODELS, { minConfidence: 1.01 });
    await strict.init();
    expect(strict.options.maxLineWidth).toBe(engine.options.maxLineWidth);
    expect(await strict.recognize(await render(HELLO))).toEqual([]);
  });

  it('rejects when the signal is already aborted', async () => {
    const frame = await render(HELLO);
    await expect(engine.recognize(frame, AbortSignal.abort())).rejects.toMatchObject({ name: 'AbortError' });
    const controller = new AbortController();
    controller.abort(new Error('stop'));
    await expect(engine.recognize(frame, controller.signal)).rejects.toThrow('stop');
  });
});
