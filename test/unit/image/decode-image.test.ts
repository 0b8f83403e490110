import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { decodeImage, sampleFrames } from '../../../core/image/decode-image';

async function png(width: number, height: number, alpha = false): Promise<Buffer> {
  const channels = alpha ? 4 : 3;
  const raw = Buffer.alloc(width * height * channels);
  for (let i = 0; i < width * height; i++) {
    raw[i * channels] = 200;
    raw[i * channels + 1] = 10;
    raw[i * channels + 2] = 10;
    if (alpha) raw[i * channels + 3] = 0;
  }
  return sharp(raw, { raw: { width, height, channels } }).png().toBuffer();
}

describe('decodeImage', () => {
  it('decodes to RGB and flattens transparency onto white', async () => {
    const img = await decodeImage(await png(4, 3, true), 'png');
    expect(img).toMatchObject({ width: 4, height: 3, frameCount: 1 });
    expect(img.frames[0]?.data.length).toBe(4 * 3 * 3);
    expect([...(img.frames[0]?.data.subarray(0, 3) ?? [])]).toEqual([255, 255, 255]);
  });

  it('applies EXIF orientation', async () => {
    const jpeg = await sharp(await png(4, 2))
      .jpeg()
      .withMetadata({ orientation: 6 })
      .toBuffer();
    const img = await decodeImage(jpeg, 'jpeg');
    expect([img.width, img.height]).toEqual([2, 4]);
  });

  it('samples frames of an animation', async () => {
    const gif = readFileSync(join(__dirname, '../../../examples/images/animated.gif'));
    const img = await decodeImage(gif, 'gif', { maxPixels: 1_000_000, maxFrames: 2 });
    expect(img.frameCount).toBe(3);
    expect(img.frames.map((f) => f.index)).toEqual([0, 1]);
    expect(img.frames[1]?.data.length).toBe(img.width * img.height * 3);
  });

  it('refuses decompression bombs before decoding pixels', async () => {
    await expect(
      decodeImage(await png(200, 200), 'png', { maxPixels: 10_000, maxFrames: 1 }),
    ).rejects.toMatchObject({
      code: expect.stringMatching(/too-large|corrupt-media/),
    });
  });

  it('reports truncated and corrupt files as corrupt-media, and HEIC as unsupported', async () => {
    const good = await png(8, 8);
    await expect(decodeImage(good.subarray(0, 40), 'png')).rejects.toMatchObject({ code: 'corrupt-media' });
    await expect(decodeImage(Buffer.from([0xff, 0xd8, 0xff, 0xdb, 1, 2, 3]), 'jpeg')).rejects.toMatchObject({
      code: 'corrupt-media',
    });
    await expect(decodeImage(good, 'heic')).rejects.toMatchObject({ code: 'unsupported-media' });
  });

  it('spreads sampled frames evenly', () => {
    expect(sampleFrames(3, 8)).toEqual([0, 1, 2]);
    expect(sampleFrames(10_000, 4)).toEqual([0, 2500, 5000, 7500]);
  });
});
