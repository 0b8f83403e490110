/**
 * Puts back word spaces the recogniser dropped. PaddleOCR's mainly Chinese recogniser often reads capitalised
 * English as one run ("CLAIMYOURPRIZE"), which no word rule can match. The crop itself still shows the gap:
 * where two consecutive characters are separated by a run of blank pixel columns at least `minGapRatio` of the
 * line height wide, a space is inserted.
 *
 * `pixels` is the RGB line crop (`width × height`), `steps` the CTC step of each character of `text`, and
 * `pixelsPerStep` how many crop columns one CTC step covers.
 */
export function recoverSpaces(
  text: string,
  steps: readonly number[],
  pixelsPerStep: number,
  pixels: Uint8Array,
  width: number,
  height: number,
  minGapRatio = 0.2,
): string {
  if (text.length < 2 || steps.length !== text.length) return text;
  const blank = blankColumns(pixels, width, height);
  const minGap = Math.max(2, Math.round(height * minGapRatio));
  const gaps: number[] = [0];
  for (let i = 1; i < text.length; i++) {
    const from = Math.max(0, Math.floor(((steps[i - 1] as number) + 0.5) * pixelsPerStep));
    const to = Math.min(width, Math.ceil(((steps[i] as number) + 0.5) * pixelsPerStep));
    gaps.push(longestRun(blank, from, to));
  }
  // A word gap must also stand out from this line's letter spacing (wide tracking is not a space). The lower
  // median, so that a short line where half the gaps are word gaps ("I AM") still gets its spaces.
  const sorted = gaps.slice(1).sort((a, b) => a - b);
  const typical = sorted[(sorted.length - 1) >> 1] ?? 0;
  const threshold = Math.max(minGap, typical * 2);
  let out = text[0] as string;
  for (let i = 1; i < text.length; i++) {
    const ch = text[i] as string;
    if (ch !== ' ' && text[i - 1] !== ' ' && (gaps[i] as number) >= threshold) out += ' ';
    out += ch;
  }
  return out;
}

/** Columns whose luminance range is small compared with the crop's: no ink crosses them. */
function blankColumns(pixels: Uint8Array, width: number, height: number): Uint8Array {
  const lo = new Float32Array(width).fill(255);
  const hi = new Float32Array(width);
  let min = 255;
  let max = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      const l =
        0.299 * (pixels[i] as number) + 0.587 * (pixels[i + 1] as number) + 0.114 * (pixels[i + 2] as number);
      if (l < (lo[x] as number)) lo[x] = l;
      if (l > (hi[x] as number)) hi[x] = l;
      if (l < min) min = l;
      if (l > max) max = l;
    }
  }
  const limit = Math.max(8, (max - min) * 0.2);
  const blank = new Uint8Array(width);
  for (let x = 0; x < width; x++) blank[x] = (hi[x] as number) - (lo[x] as number) < limit ? 1 : 0;
  return blank;
}

function longestRun(blank: Uint8Array, from: number, to: number): number {
  let best = 0;
  let run = 0;
  for (let x = from; x < to; x++) {
    run = blank[x] ? run + 1 : 0;
    if (run > best) best = run;
  }
  return best;
}
