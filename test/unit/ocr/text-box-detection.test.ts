import {
  DEFAULT_TEXT_BOX_OPTIONS,
  readingOrder,
  type TextBox,
  type TextBoxOptions,
  textBoxesFromProbabilities,
} from '../../../core/ocr/text-box-detection';

/** A `width × height` probability map, zero except for the given filled rectangles. */
function probMap(
  width: number,
  height: number,
  rects: readonly { x: number; y: number; w: number; h: number; p?: number }[],
): Float32Array {
  const prob = new Float32Array(width * height);
  for (const r of rects) {
    for (let y = r.y; y < r.y + r.h; y++) {
      for (let x = r.x; x < r.x + r.w; x++) prob[y * width + x] = r.p ?? 0.9;
    }
  }
  return prob;
}

/** The box the DB post-processing should give for one rectangle region (map pixels → frame pixels). */
function expectedBox(
  r: { x: number; y: number; w: number; h: number },
  scaleX: number,
  scaleY: number,
  frameWidth: number,
  frameHeight: number,
  unclipRatio = DEFAULT_TEXT_BOX_OPTIONS.unclipRatio,
): { x: number; y: number; width: number; height: number } {
  const d = (r.w * r.h * unclipRatio) / (2 * (r.w + r.h));
  const x0 = Math.max(0, Math.floor((r.x - d) * scaleX));
  const y0 = Math.max(0, Math.floor((r.y - d) * scaleY));
  const x1 = Math.min(frameWidth, Math.ceil((r.x + r.w + d) * scaleX));
  const y1 = Math.min(frameHeight, Math.ceil((r.y + r.h + d) * scaleY));
  return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
}

const box = (x: number, y: number, width: number, height: number): TextBox => ({
  x,
  y,
  width,
  height,
  score: 1,
});

describe('textBoxesFromProbabilities', () => {
  it('turns one rectangle region into one box scaled to the frame and grown by the unclip distance', () => {
    // 20 × 5 region: distance = 100 × 1.5 / (2 × 25) = 3 map pixels per side.
    const prob = probMap(64, 32, [{ x: 10, y: 12, w: 20, h: 5 }]);
    const boxes = textBoxesFromProbabilities(prob, 64, 32, 4, 2, 256, 64);
    expect(boxes).toHaveLength(1);
    const [b] = boxes as [TextBox];
    expect({ x: b.x, y: b.y, width: b.width, height: b.height }).toEqual({
      x: (10 - 3) * 4,
      y: (12 - 3) * 2,
      width: (20 + 6) * 4,
      height: (5 + 6) * 2,
    });
    expect(b.score).toBeCloseTo(0.9, 5);
  });

  it('uses a fractional unclip distance rounded outwards', () => {
    // 10 × 6 region: distance = 60 × 1.5 / 32 = 2.8125.
    const r = { x: 5, y: 7, w: 10, h: 6 };
    const boxes = textBoxesFromProbabilities(probMap(40, 20, [r]), 40, 20, 3, 3, 120, 60);
    expect(boxes).toHaveLength(1);
    expect(boxes[0]).toMatchObject(expectedBox(r, 3, 3, 120, 60));
    expect(boxes[0]).toMatchObject({ x: 6, y: 12, width: 48, height: 36 });
  });

  it('scales by the unclip ratio option', () => {
    const r = { x: 20, y: 10, w: 12, h: 4 };
    const options: TextBoxOptions = { ...DEFAULT_TEXT_BOX_OPTIONS, unclipRatio: 3 };
    const boxes = textBoxesFromProbabilities(probMap(64, 32, [r]), 64, 32, 1, 1, 64, 32, options);
    // distance = 48 × 3 / 32 = 4.5
    expect(boxes[0]).toMatchObject({ x: 15, y: 5, width: 22, height: 14 });
  });

  it('clips boxes to the frame', () => {
    // A region touching the top-left and one touching the bottom-right corner.
    const a = { x: 0, y: 0, w: 10, h: 4 };
    const b = { x: 50, y: 26, w: 14, h: 6 };
    const boxes = textBoxesFromProbabilities(probMap(64, 32, [a, b]), 64, 32, 2, 2, 128, 64);
    expect(boxes).toHaveLength(2);
    expect(boxes[0]).toMatchObject(expectedBox(a, 2, 2, 128, 64));
    expect(boxes[0]).toMatchObject({ x: 0, y: 0 });
    expect(boxes[1]).toMatchObject(expectedBox(b, 2, 2, 128, 64));
    const last = boxes[1] as TextBox;
    expect(last.x + last.width).toBe(128);
    expect(last.y + last.height).toBe(64);
    for (const bx of boxes) {
      expect(bx.x).toBeGreaterThanOrEqual(0);
      expect(bx.y).toBeGreaterThanOrEqual(0);
    }
  });

  it('clips to a frame that is not an exact multiple of the map', () => {
    // The map covers 64 × 32 at scale 1.5, but the frame is only 95 × 47 pixels.
    const r = { x: 50, y: 20, w: 14, h: 12 };
    const boxes = textBoxesFromProbabilities(probMap(64, 32, [r]), 64, 32, 1.5, 1.5, 95, 47);
    expect(boxes).toHaveLength(1);
    const b = boxes[0] as TextBox;
    expect(b.x + b.width).toBe(95);
    expect(b.y + b.height).toBe(47);
  });

  it('returns nothing for an empty map', () => {
    expect(textBoxesFromProbabilities(new Float32Array(32 * 16), 32, 16, 1, 1, 32, 16)).toEqual([]);
  });

  it('gives two boxes in reading order for two separate regions', () => {
    // Right-hand word listed first in the map (it starts on an earlier row), then a line below.
    const prob = probMap(100, 60, [
      { x: 60, y: 10, w: 30, h: 8 },
      { x: 5, y: 11, w: 30, h: 8 },
      { x: 5, y: 40, w: 50, h: 8 },
    ]);
    const boxes = textBoxesFromProbabilities(prob, 100, 60, 1, 1, 100, 60);
    expect(boxes).toHaveLength(3);
    const lefts = boxes.map((b) => b.x);
    const tops = boxes.map((b) => b.y);
    expect(lefts[0]).toBeLessThan(lefts[1] as number);
    expect(tops[2]).toBeGreaterThan(tops[0] as number);
    expect(boxes[0]).toMatchObject(expectedBox({ x: 5, y: 11, w: 30, h: 8 }, 1, 1, 100, 60));
    expect(boxes[1]).toMatchObject(expectedBox({ x: 60, y: 10, w: 30, h: 8 }, 1, 1, 100, 60));
    expect(boxes[2]).toMatchObject(expectedBox({ x: 5, y: 40, w: 50, h: 8 }, 1, 1, 100, 60));
  });

  it('gives two boxes for two regions side by side', () => {
    const prob = probMap(60, 20, [
      { x: 2, y: 6, w: 20, h: 6 },
      { x: 35, y: 6, w: 20, h: 6 },
    ]);
    const boxes = textBoxesFromProbabilities(prob, 60, 20, 1, 1, 60, 20);
    expect(boxes.map((b) => b.x)).toEqual([0, 31]);
  });

  it('drops regions whose mean probability is below boxThreshold', () => {
    const prob = probMap(80, 40, [
      { x: 5, y: 5, w: 20, h: 6, p: 0.5 }, // above threshold (0.3) but mean below boxThreshold (0.6)
      { x: 5, y: 25, w: 20, h: 6, p: 0.7 },
    ]);
    const boxes = textBoxesFromProbabilities(prob, 80, 40, 1, 1, 80, 40);
    expect(boxes).toHaveLength(1);
    expect(boxes[0]?.score).toBeCloseTo(0.7, 5);
    const lenient = textBoxesFromProbabilities(prob, 80, 40, 1, 1, 80, 40, {
      ...DEFAULT_TEXT_BOX_OPTIONS,
      boxThreshold: 0.4,
    });
    expect(lenient).toHaveLength(2);
  });

  it('averages the probability over the whole region for the score', () => {
    // Half the region at 0.95, half at 0.35: mean 0.65 ≥ 0.6 is kept.
    const prob = probMap(40, 20, [
      { x: 5, y: 5, w: 10, h: 6, p: 0.95 },
      { x: 15, y: 5, w: 10, h: 6, p: 0.35 },
    ]);
    const boxes = textBoxesFromProbabilities(prob, 40, 20, 1, 1, 40, 20);
    expect(boxes).toHaveLength(1);
    expect(boxes[0]?.score).toBeCloseTo(0.65, 5);
  });

  it('ignores pixels at or below the threshold', () => {
    const prob = probMap(40, 20, [{ x: 5, y: 5, w: 20, h: 6, p: 0.3 }]);
    expect(textBoxesFromProbabilities(prob, 40, 20, 1, 1, 40, 20)).toEqual([]);
  });

  it('drops regions thinner than minSide', () => {
    const prob = probMap(80, 40, [
      { x: 5, y: 5, w: 40, h: 2 }, // a 2-pixel line
      { x: 60, y: 5, w: 2, h: 30 }, // a 2-pixel column
      { x: 5, y: 20, w: 40, h: 3 }, // exactly minSide: kept
    ]);
    const boxes = textBoxesFromProbabilities(prob, 80, 40, 1, 1, 80, 40);
    expect(boxes).toHaveLength(1);
    expect(boxes[0]).toMatchObject(expectedBox({ x: 5, y: 20, w: 40, h: 3 }, 1, 1, 80, 40));
    const strict = textBoxesFromProbabilities(prob, 80, 40, 1, 1, 80, 40, {
      ...DEFAULT_TEXT_BOX_OPTIONS,
      minSide: 4,
    });
    expect(strict).toEqual([]);
  });

  it('keeps only the maxBoxes largest regions, still in reading order', () => {
    const regions = [
      { x: 2, y: 2, w: 10, h: 4 }, // small, top
      { x: 2, y: 12, w: 40, h: 6 }, // largest
      { x: 2, y: 24, w: 6, h: 4 }, // smallest
      { x: 2, y: 34, w: 25, h: 5 }, // second largest
    ];
    const prob = probMap(64, 48, regions);
    const options: TextBoxOptions = { ...DEFAULT_TEXT_BOX_OPTIONS, maxBoxes: 2 };
    const boxes = textBoxesFromProbabilities(prob, 64, 48, 1, 1, 64, 48, options);
    expect(boxes).toEqual([
      expect.objectContaining(expectedBox(regions[1] as (typeof regions)[number], 1, 1, 64, 48)),
      expect.objectContaining(expectedBox(regions[3] as (typeof regions)[number], 1, 1, 64, 48)),
    ]);
    expect(textBoxesFromProbabilities(prob, 64, 48, 1, 1, 64, 48)).toHaveLength(4);
  });

  it('joins diagonally touching pixels (8-connectivity)', () => {
    // Two 6 × 6 squares touching only at one corner.
    const prob = probMap(40, 40, [
      { x: 10, y: 10, w: 6, h: 6 },
      { x: 16, y: 16, w: 6, h: 6 },
    ]);
    const boxes = textBoxesFromProbabilities(prob, 40, 40, 1, 1, 40, 40);
    expect(boxes).toHaveLength(1);
    expect(boxes[0]).toMatchObject(expectedBox({ x: 10, y: 10, w: 12, h: 12 }, 1, 1, 40, 40));
    // A diagonal staircase of single pixels is one region too.
    const stair = new Float32Array(40 * 40);
    for (let i = 0; i < 20; i++) stair[(5 + i) * 40 + 5 + i] = 0.9;
    const one = textBoxesFromProbabilities(stair, 40, 40, 1, 1, 40, 40);
    expect(one).toHaveLength(1);
    expect(one[0]).toMatchObject(expectedBox({ x: 5, y: 5, w: 20, h: 20 }, 1, 1, 40, 40));
  });

  it('does not join regions separated by one background pixel', () => {
    const prob = probMap(40, 20, [
      { x: 5, y: 5, w: 8, h: 6 },
      { x: 14, y: 5, w: 8, h: 6 },
    ]);
    expect(textBoxesFromProbabilities(prob, 40, 20, 1, 1, 40, 20)).toHaveLength(2);
  });

  it('finishes a 1000 × 1000 map quickly', () => {
    const size = 1000;
    // One region covering everything (worst case for the flood fill) ...
    const full = new Float32Array(size * size).fill(0.9);
    let t0 = performance.now();
    const one = textBoxesFromProbabilities(full, size, size, 1, 1, size, size);
    const fullMs = performance.now() - t0;
    expect(one).toEqual([{ x: 0, y: 0, width: size, height: size, score: expect.closeTo(0.9, 5) }]);
    // ... and a grid of 40 × 100 small text lines (many regions).
    const lines: { x: number; y: number; w: number; h: number }[] = [];
    for (let y = 2; y + 6 < size; y += 10) {
      for (let x = 2; x + 20 < size; x += 25) lines.push({ x, y, w: 20, h: 6 });
    }
    const grid = probMap(size, size, lines);
    t0 = performance.now();
    const many = textBoxesFromProbabilities(grid, size, size, 1, 1, size, size, {
      ...DEFAULT_TEXT_BOX_OPTIONS,
      maxBoxes: 10_000,
    });
    const gridMs = performance.now() - t0;
    expect(many).toHaveLength(lines.length);
    expect(fullMs).toBeLessThan(1000);
    expect(gridMs).toBeLessThan(2000);
  });
});

describe('readingOrder', () => {
  it('sorts rows top to bottom and boxes left to right within a row', () => {
    const a = box(10, 10, 50, 20);
    const b = box(80, 14, 40, 20); // same row as a, slightly lower
    const c = box(150, 8, 30, 20); // same row, slightly higher
    const d = box(5, 60, 100, 20);
    const e = box(120, 62, 30, 18);
    const f = box(0, 110, 40, 20);
    expect(readingOrder([e, f, c, d, b, a])).toEqual([a, b, c, d, e, f]);
  });

  it('starts a new row when the vertical centres differ by half a box height or more', () => {
    const top = box(100, 0, 50, 20); // centre 10
    const lower = box(0, 10, 50, 20); // centre 20: exactly half a height below → next row
    expect(readingOrder([lower, top])).toEqual([top, lower]);
    const near = box(0, 9, 50, 20); // centre 19: same row, so left to right
    expect(readingOrder([top, near])).toEqual([near, top]);
  });

  it('uses the smaller height of the two boxes to decide rows', () => {
    const tall = box(100, 0, 50, 100); // centre 50
    const small = box(0, 40, 20, 10); // centre 45: 5 ≥ 10 / 2 → not in the tall box's row
    expect(readingOrder([tall, small])).toEqual([small, tall]);
    const inside = box(0, 46, 20, 10); // centre 51: within half of 10 → same row, left first
    expect(readingOrder([tall, inside])).toEqual([inside, tall]);
  });

  it('does not modify its input and handles empty lists', () => {
    const input = [box(50, 0, 10, 10), box(0, 0, 10, 10)];
    const copy = [...input];
    readingOrder(input);
    expect(input).toEqual(copy);
    expect(readingOrder([])).toEqual([]);
  });
});
