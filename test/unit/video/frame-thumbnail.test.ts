import { frameThumbnail, THUMB_SIDE, thumbnailChange } from '../../../core/video/frame-thumbnail';
import { sceneRgb, solidRgb, withCaption, withNoise } from '../../helpers/media-fixtures';

const W = 320;
const H = 180;
/** The cell delta and duplicate limit the video frame detector uses. */
const CELL_DELTA = 24;
const DUPLICATE_MAX_DIFF = 12;

describe('frameThumbnail and thumbnailChange', () => {
  const scene = sceneRgb(W, H);

  it('is a 16×16 grey thumbnail', () => {
    const thumb = frameThumbnail(scene, W, H);
    expect(THUMB_SIDE).toBe(16);
    expect(thumb).toBeInstanceOf(Uint8Array);
    expect(thumb).toHaveLength(256);
    // The scene gets brighter to the right: the left column of cells is darker than the right one.
    expect(thumb[0] as number).toBeLessThan(thumb[15] as number);
  });

  it('gives the grey level of a solid colour in every cell (Rec. 601 luma)', async () => {
    const red = frameThumbnail(await solidRgb(W, H, [255, 0, 0]), W, H);
    expect(new Set(red)).toEqual(new Set([Math.round(0.299 * 255)]));
    const grey = frameThumbnail(await solidRgb(W, H, [128, 128, 128]), W, H);
    expect(new Set(grey)).toEqual(new Set([128]));
  });

  it('identical frames: maxDiff 0, no changed cells', () => {
    const a = frameThumbnail(scene, W, H);
    const b = frameThumbnail(Buffer.from(scene), W, H);
    expect(thumbnailChange(a, b, CELL_DELTA)).toEqual({ maxDiff: 0, changedCells: 0 });
  });

  it('compression-like noise (±3 per channel) averages out: a near-duplicate', () => {
    const a = frameThumbnail(scene, W, H);
    const b = frameThumbnail(withNoise(scene, 3, 11), W, H);
    const change = thumbnailChange(a, b, CELL_DELTA);
    expect(change.changedCells).toBe(0);
    expect(change.maxDiff).toBeLessThanOrEqual(2);
    expect(change.maxDiff).toBeLessThanOrEqual(DUPLICATE_MAX_DIFF);
  });

  it('heavy noise (±40) still leaves each cell average close', () => {
    const change = thumbnailChange(
      frameThumbnail(scene, W, H),
      frameThumbnail(withNoise(scene, 40, 12), W, H),
      CELL_DELTA,
    );
    expect(change.changedCells).toBe(0);
  });

  it('a caption box on the bottom third changes many cells there and none above', async () => {
    const captioned = await withCaption(scene, W, H, 'BUY CHEAP PILLS NOW');
    expect(captioned).toHaveLength(W * H * 3);
    const a = frameThumbnail(scene, W, H);
    const b = frameThumbnail(captioned, W, H);
    const change = thumbnailChange(a, b, CELL_DELTA);
    expect(change.maxDiff).toBeGreaterThan(DUPLICATE_MAX_DIFF);
    // The bottom third is 16 × 5⅓ cells; nearly all of them turn dark.
    expect(change.changedCells).toBeGreaterThanOrEqual(64);
    expect(change.changedCells).toBeLessThanOrEqual(6 * 16);
    for (let row = 0; row < 10; row++) {
      for (let col = 0; col < 16; col++) {
        expect(Math.abs((a[row * 16 + col] as number) - (b[row * 16 + col] as number))).toBeLessThanOrEqual(
          1,
        );
      }
    }
  });

  it('a different scene (solid blue vs the gradient) changes most cells', async () => {
    const change = thumbnailChange(
      frameThumbnail(scene, W, H),
      frameThumbnail(await solidRgb(W, H, [0, 0, 255]), W, H),
      CELL_DELTA,
    );
    expect(change.changedCells).toBeGreaterThan(128);
  });

  it('is symmetric', async () => {
    const a = frameThumbnail(scene, W, H);
    const b = frameThumbnail(await withCaption(scene, W, H, 'hello'), W, H);
    expect(thumbnailChange(a, b, CELL_DELTA)).toEqual(thumbnailChange(b, a, CELL_DELTA));
  });

  it('counts only cells that moved by more than cellDelta', () => {
    const a = new Uint8Array(256);
    const b = new Uint8Array(256);
    b[0] = 10;
    b[1] = 11;
    b[255] = 200;
    expect(thumbnailChange(a, b, 10)).toEqual({ maxDiff: 200, changedCells: 2 });
    expect(thumbnailChange(a, b, 0)).toEqual({ maxDiff: 200, changedCells: 3 });
  });

  it('works on tiny frames (1×1, 2×3, 3×2) without NaN, and uncovered cells are 0', () => {
    const one = frameThumbnail(Buffer.from([200, 100, 50]), 1, 1);
    expect(one).toHaveLength(256);
    const grey = Math.round(0.299 * 200 + 0.587 * 100 + 0.114 * 50);
    expect(one[0]).toBe(grey);
    expect([...one.subarray(1)].every((v) => v === 0)).toBe(true);

    const twoByThree = Buffer.alloc(2 * 3 * 3, 90);
    const t = frameThumbnail(twoByThree, 2, 3);
    expect(t).toHaveLength(256);
    expect([...t].every((v) => Number.isInteger(v) && v >= 0 && v <= 255)).toBe(true);
    expect(t.filter((v) => v === 90).length).toBeGreaterThan(0);

    const threeByTwo = frameThumbnail(Buffer.alloc(3 * 2 * 3, 90), 3, 2);
    expect(threeByTwo.filter((v) => v === 90).length).toBeGreaterThan(0);

    // The same tiny frame twice is still an exact duplicate.
    expect(thumbnailChange(t, frameThumbnail(Buffer.from(twoByThree), 2, 3), CELL_DELTA).maxDiff).toBe(0);
  });

  it('works on odd, non-multiple-of-16 sizes (161×97)', () => {
    const w = 161;
    const h = 97;
    const frame = sceneRgb(w, h);
    const thumb = frameThumbnail(frame, w, h);
    expect([...thumb].every((v) => v > 0)).toBe(true);
    expect(
      thumbnailChange(thumb, frameThumbnail(withNoise(frame, 3, 2), w, h), CELL_DELTA).maxDiff,
    ).toBeLessThan(3);
  });
});
