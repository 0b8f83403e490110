/** An axis-aligned text box in pixels of the original frame. */
export interface TextBox {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  /** Mean text probability inside the region (0–1). */
  readonly score: number;
}

/** Settings of the DB (differentiable binarisation) post-processing. PaddleOCR's defaults are the defaults. */
export interface TextBoxOptions {
  /** Probability above which a pixel is text. */
  readonly threshold: number;
  /** Mean probability a region needs to be kept. */
  readonly boxThreshold: number;
  /** How far a shrunk text kernel is grown back: distance = area × ratio / perimeter. */
  readonly unclipRatio: number;
  /** Regions whose shorter side is below this (in probability-map pixels) are noise. */
  readonly minSide: number;
  /** Most regions kept, largest first. */
  readonly maxBoxes: number;
}

export const DEFAULT_TEXT_BOX_OPTIONS: TextBoxOptions = {
  threshold: 0.3,
  boxThreshold: 0.6,
  unclipRatio: 1.5,
  minSide: 3,
  maxBoxes: 256,
};

/**
 * Turns a DB text-probability map (`height × width`, values 0–1) into text boxes in the original frame's pixels.
 * Connected regions of the thresholded map (8-connected) become axis-aligned rectangles, grown by the DB unclip
 * distance, because the model is trained to predict a shrunk kernel of each text line. Axis-aligned boxes (not
 * rotated rectangles) keep this dependency-free; rotated lines still get a box that covers them.
 */
export function textBoxesFromProbabilities(
  prob: Float32Array,
  width: number,
  height: number,
  scaleX: number,
  scaleY: number,
  frameWidth: number,
  frameHeight: number,
  options: TextBoxOptions = DEFAULT_TEXT_BOX_OPTIONS,
): TextBox[] {
  const label = new Int32Array(width * height);
  const stack = new Int32Array(width * height);
  const found: TextBox[] = [];
  let next = 0;
  for (let start = 0; start < prob.length; start++) {
    if (label[start] !== 0 || (prob[start] as number) <= options.threshold) continue;
    next++;
    let top = 0;
    stack[top++] = start;
    label[start] = next;
    let minX = width;
    let minY = height;
    let maxX = -1;
    let maxY = -1;
    let sum = 0;
    let count = 0;
    while (top > 0) {
      const p = stack[--top] as number;
      const px = p % width;
      const py = (p - px) / width;
      sum += prob[p] as number;
      count++;
      if (px < minX) minX = px;
      if (px > maxX) maxX = px;
      if (py < minY) minY = py;
      if (py > maxY) maxY = py;
      for (let dy = -1; dy <= 1; dy++) {
        const ny = py + dy;
        if (ny < 0 || ny >= height) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const nx = px + dx;
          if ((dx === 0 && dy === 0) || nx < 0 || nx >= width) continue;
          const q = ny * width + nx;
          if (label[q] === 0 && (prob[q] as number) > options.threshold) {
            label[q] = next;
            stack[top++] = q;
          }
        }
      }
    }
    const w = maxX - minX + 1;
    const h = maxY - minY + 1;
    if (Math.min(w, h) < options.minSide) continue;
    const score = sum / count;
    if (score < options.boxThreshold) continue;
    const distance = (w * h * options.unclipRatio) / (2 * (w + h));
    const x0 = Math.max(0, Math.floor((minX - distance) * scaleX));
    const y0 = Math.max(0, Math.floor((minY - distance) * scaleY));
    const x1 = Math.min(frameWidth, Math.ceil((maxX + 1 + distance) * scaleX));
    const y1 = Math.min(frameHeight, Math.ceil((maxY + 1 + distance) * scaleY));
    if (Math.min(x1 - x0, y1 - y0) < options.minSide + 2) continue;
    found.push({ x: x0, y: y0, width: x1 - x0, height: y1 - y0, score });
  }
  found.sort((a, b) => b.width * b.height - a.width * a.height);
  return readingOrder(found.slice(0, options.maxBoxes));
}

/**
 * Sorts boxes top to bottom, then left to right within a row; boxes whose vertical centres are within half a
 * box height of each other share a row.
 */
export function readingOrder(boxes: readonly TextBox[]): TextBox[] {
  const sorted = [...boxes].sort((a, b) => a.y + a.height / 2 - (b.y + b.height / 2));
  const rows: TextBox[][] = [];
  for (const box of sorted) {
    const mid = box.y + box.height / 2;
    const row = rows.find((r) => {
      const first = r[0] as TextBox;
      return Math.abs(first.y + first.height / 2 - mid) < Math.min(first.height, box.height) / 2;
    });
    if (row) row.push(box);
    else rows.push([box]);
  }
  return rows.flatMap((r) => r.sort((a, b) => a.x - b.x));
}
