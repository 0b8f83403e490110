import { recoverSpaces } from '../../../core/ocr/recover-spaces';

const HEIGHT = 20;
const PPS = 4; // crop columns per CTC step

interface Line {
  readonly pixels: Uint8Array;
  readonly width: number;
  /** The CTC step of each letter (the step over the letter's centre). */
  readonly steps: number[];
}

/**
 * A synthetic RGB line crop: white background, one black vertical bar (`barWidth` columns, rows 3 to
 * HEIGHT − 3) per letter, with `gaps[i]` blank columns between letter i and letter i + 1.
 */
function line(
  gaps: readonly number[],
  barWidth = 6,
  margin = 4,
  ink: [number, number, number] = [0, 0, 0],
): Line {
  const starts: number[] = [];
  let x = margin;
  for (let i = 0; i <= gaps.length; i++) {
    starts.push(x);
    x += barWidth + (gaps[i] ?? 0);
  }
  const width = x + margin;
  const pixels = new Uint8Array(width * HEIGHT * 3).fill(255);
  for (const s of starts) {
    for (let y = 3; y < HEIGHT - 3; y++) {
      for (let c = s; c < s + barWidth; c++) pixels.set(ink, (y * width + c) * 3);
    }
  }
  const steps = starts.map((s) => Math.floor((s + barWidth / 2) / PPS));
  return { pixels, width, steps };
}

describe('recoverSpaces', () => {
  it('turns a wide blank gap between letters into a space', () => {
    // minGap = round(20 × 0.2) = 4; letter gaps of 2, one gap of 14.
    const l = line([2, 2, 14, 2, 2]);
    expect(recoverSpaces('GOHOME', l.steps, PPS, l.pixels, l.width, HEIGHT)).toBe('GOH OME');
  });

  it('recovers several word gaps on one line', () => {
    const l = line([2, 12, 2, 2, 2, 16, 2, 2]);
    expect(recoverSpaces('CLAIMYOUR', l.steps, PPS, l.pixels, l.width, HEIGHT)).toBe('CL AIMY OUR');
  });

  // With an even number of gaps the lower median is the typical gap, or a line where half the gaps are word gaps
  // ("I AM" read as "IAM": gaps 14 and 2) could never reach the 2x threshold.
  it('recovers spaces when half of an even number of gaps are word gaps', () => {
    const three = line([14, 2]);
    expect(recoverSpaces('IAM', three.steps, PPS, three.pixels, three.width, HEIGHT)).toBe('I AM');
    const five = line([14, 2, 14, 2]);
    expect(recoverSpaces('IAMOK', five.steps, PPS, five.pixels, five.width, HEIGHT)).toBe('I AM OK');
  });

  it('does not insert spaces for narrow letter gaps', () => {
    const l = line([2, 3, 2, 3, 2]);
    expect(recoverSpaces('ABCDEF', l.steps, PPS, l.pixels, l.width, HEIGHT)).toBe('ABCDEF');
  });

  it('does not insert a space for a gap below minGapRatio of the line height', () => {
    // Median gap 1 → 2× median is 2, but a gap of 3 is below round(20 × 0.2) = 4.
    const l = line([1, 1, 3, 1, 1]);
    expect(recoverSpaces('ABCDEF', l.steps, PPS, l.pixels, l.width, HEIGHT)).toBe('ABCDEF');
    // A lower ratio lets the same gap through.
    expect(recoverSpaces('ABCDEF', l.steps, PPS, l.pixels, l.width, HEIGHT, 0.1)).toBe('ABC DEF');
  });

  it('does not insert spaces everywhere for uniform wide tracking', () => {
    // Every gap is 10 columns: far above minGap, but no gap stands out from the line's letter spacing.
    const l = line([10, 10, 10, 10, 10]);
    expect(recoverSpaces('SPACED', l.steps, PPS, l.pixels, l.width, HEIGHT)).toBe('SPACED');
  });

  it('needs a gap of at least twice the median gap on a widely tracked line', () => {
    // Median gap 8: a gap of 15 is not a space, a gap of 16 is.
    const under = line([8, 8, 15, 8, 8]);
    expect(recoverSpaces('ABCDEF', under.steps, PPS, under.pixels, under.width, HEIGHT)).toBe('ABCDEF');
    const at = line([8, 8, 16, 8, 8]);
    expect(recoverSpaces('ABCDEF', at.steps, PPS, at.pixels, at.width, HEIGHT)).toBe('ABC DEF');
  });

  it('does not double an existing space', () => {
    // "ABCD EFGH": the recogniser already emitted the space, at a step inside the 20-column gap. Both halves of
    // the gap (letter → space, space → letter) are well above the threshold, yet no second space is added.
    const l = line([2, 2, 2, 20, 2, 2, 2]);
    const letters = l.steps;
    expect(recoverSpaces('ABCDEFGH', letters, PPS, l.pixels, l.width, HEIGHT)).toBe('ABCD EFGH');
    const d = letters[3] as number;
    const e = letters[4] as number;
    const steps = [...letters.slice(0, 4), Math.floor((d + e) / 2), ...letters.slice(4)];
    expect(recoverSpaces('ABCD EFGH', steps, PPS, l.pixels, l.width, HEIGHT)).toBe('ABCD EFGH');
  });

  it('recovers the space of a short two-word line', () => {
    const l = line([2, 14, 2]);
    expect(recoverSpaces('GOUP', l.steps, PPS, l.pixels, l.width, HEIGHT)).toBe('GO UP');
  });

  it('works on light text on a dark background', () => {
    const l = line([2, 2, 14, 2, 2]);
    // Invert the crop: black background, white bars.
    const inverted = l.pixels.map((v) => 255 - v);
    expect(recoverSpaces('GOHOME', l.steps, PPS, inverted, l.width, HEIGHT)).toBe('GOH OME');
  });

  it('returns the text unchanged when steps does not match the text length', () => {
    const l = line([2, 2, 14, 2, 2]);
    expect(recoverSpaces('GOHOME', l.steps.slice(0, 5), PPS, l.pixels, l.width, HEIGHT)).toBe('GOHOME');
    expect(recoverSpaces('GOHOME', [...l.steps, 99], PPS, l.pixels, l.width, HEIGHT)).toBe('GOHOME');
    expect(recoverSpaces('GOHOME', [], PPS, l.pixels, l.width, HEIGHT)).toBe('GOHOME');
  });

  it('returns empty and one-character text unchanged', () => {
    const l = line([]);
    expect(recoverSpaces('', [], PPS, l.pixels, l.width, HEIGHT)).toBe('');
    expect(recoverSpaces('A', l.steps, PPS, l.pixels, l.width, HEIGHT)).toBe('A');
  });

  it('returns the text unchanged for a blank crop', () => {
    const width = 80;
    const pixels = new Uint8Array(width * HEIGHT * 3).fill(255);
    // Every column is blank, so every gap is equally long: nothing stands out.
    expect(recoverSpaces('ABCD', [2, 6, 10, 14], PPS, pixels, width, HEIGHT)).toBe('ABCD');
  });

  it('does not split a character made of two UTF-16 units', () => {
    // Characters: 'A', '😀' (two units at the same step), 'B', 'C' with a word gap before 'B'.
    const l = line([2, 14, 2]);
    const [a, e, b, c] = l.steps as [number, number, number, number];
    expect(recoverSpaces('A😀BC', [a, e, e, b, c], PPS, l.pixels, l.width, HEIGHT)).toBe('A😀 BC');
  });
});
