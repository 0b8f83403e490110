import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { openStateDir, SqliteHashBankStore, type StateDir } from '../../../adapters/local';
import { BankMatcher } from '../../../core/banks/bank-matcher';
import type { Detector, DetectorContext, ImageContent, VideoContent } from '../../../core/detectors/detector';
import { createHashMatchDetectors } from '../../../core/detectors/hash/hash-match-detector';
import { probeMedia } from '../../../core/ffmpeg/probe-media';
import { wordsToPdqHex } from '../../../core/hash/hamming';
import { pdqHashImage } from '../../../core/hash/pdq-image';
import { vpdqHashVideo } from '../../../core/hash/vpdq';
import { decodeImage } from '../../../core/image/decode-image';
import { silentLogger } from '../../../core/logging/logger';
import type { Policy } from '../../../core/policy/policy';
import { DEFAULT_FRAME_SAMPLING } from '../../../core/video/sample-frames';
import { testPolicy } from '../../helpers/test-policy';

const CLIP = join(__dirname, '../../../examples/video/clip.mp4');

/** `hex` with its first `bits` bits flipped. */
function flip(hex: string, bits: number): string {
  const digits = hex.split('').map((d) => Number.parseInt(d, 16));
  for (let b = 0; b < bits; b++) digits[b >> 2] = (digits[b >> 2] as number) ^ (8 >> (b & 3));
  return digits.map((d) => d.toString(16)).join('');
}

function context(policy?: Policy): DetectorContext & { notes: string[] } {
  const notes: string[] = [];
  return {
    signal: new AbortController().signal,
    logger: silentLogger,
    notes,
    note: (t) => notes.push(t),
    ...(policy ? { policy } : {}),
  };
}

async function imageInput(bytes: Buffer): Promise<ImageContent> {
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  return { kind: 'image', image: await decodeImage(bytes, 'png'), bytes, sha256 };
}

describe('hash-match detectors', () => {
  let dir: string;
  let state: StateDir;
  let store: SqliteHashBankStore;
  let matcher: BankMatcher;
  let image: Detector<ImageContent>;
  let video: Detector<VideoContent>;
  let png: Buffer;
  let pngPdq: string;

  beforeAll(async () => {
    png = readFileSync(join(__dirname, '../../../examples/images/drawing.png'));
    const h = await pdqHashImage(png);
    expect(h.quality).toBeGreaterThanOrEqual(50);
    pngPdq = wordsToPdqHex(h.hash);
  });

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'winnow-hash-match-'));
    state = openStateDir(dir);
    store = new SqliteHashBankStore(state);
    matcher = new BankMatcher(store, { refreshIntervalMs: 0 });
    [image, video] = createHashMatchDetectors({ banks: matcher });
  });
  afterEach(() => {
    state.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs images in both tiers and videos in the heavy tier, under one id', () => {
    expect([image.id, image.media, image.tiers]).toEqual(['hash-match', ['image'], ['fast', 'heavy']]);
    expect([video.id, video.media, video.tiers]).toEqual(['hash-match', ['video'], ['heavy']]);
  });

  it('is inert without banks: no signals and a note', async () => {
    const [bare] = createHashMatchDetectors();
    const ctx = context();
    expect(await bare.detect(await imageInput(png), ctx)).toEqual([]);
    expect(ctx.notes).toEqual(['no banks']);
    expect(await bare.dataVersion?.()).toBeUndefined();

    const empty = context();
    expect(await image.detect(await imageInput(png), empty)).toEqual([]);
    expect(empty.notes).toEqual(['no banks']);
    expect(await image.dataVersion?.()).toBeUndefined();
  });

  it('matches an image PDQ within the radius, with a note naming bank, label, kind, distance and hash', async () => {
    await store.putBank('known');
    await store.addEntries('known', [{ hash: flip(pngPdq, 12), kind: 'pdq', label: 'csam' }]);
    const signals = await image.detect(await imageInput(png), context(testPolicy()));
    expect(signals).toEqual([
      {
        detector: 'hash-match',
        category: 'hash-match',
        label: 'known:csam',
        score: 1,
        evidence: [
          {
            kind: 'note',
            text: `bank known, label csam, pdq distance 12, matched ${flip(pngPdq, 12)}`,
          },
        ],
      },
    ]);
    // The policy's radius and the bank's rule category apply.
    const tight = testPolicy({
      hashMatch: { radius: 11, banks: { known: { category: 'spam', decision: 'review' } } },
    });
    expect(await image.detect(await imageInput(png), context(tight))).toEqual([]);
    const ruled = await image.detect(
      await imageInput(png),
      context(testPolicy({ hashMatch: { banks: { known: { category: 'spam', decision: 'review' } } } })),
    );
    expect(ruled.map((s) => s.category)).toEqual(['spam']);
  });

  it('hashes the file bytes as HMA does, not the rotated pixels the classifiers see', async () => {
    // EXIF orientation 6: the decoded frame is rotated, PDQ of the file is not.
    const rotated = await sharp(png).withMetadata({ orientation: 6 }).jpeg({ quality: 95 }).toBuffer();
    const filePdq = wordsToPdqHex((await pdqHashImage(rotated)).hash);
    await store.putBank('known');
    await store.addEntries('known', [{ hash: filePdq, kind: 'pdq' }]);
    const input: ImageContent = { kind: 'image', image: await decodeImage(rotated, 'jpeg'), bytes: rotated };
    const { width, height } = await sharp(png).metadata();
    expect([input.image.width, input.image.height]).toEqual([height, width]);
    const signals = await image.detect(input, context());
    expect(signals.map((s) => s.evidence[0])).toEqual([
      { kind: 'note', text: `bank known, label -, pdq distance 0, matched ${filePdq}` },
    ]);
  });

  it('skips PDQ hashes under the minimum quality', async () => {
    const flat = await sharp({
      create: { width: 64, height: 64, channels: 3, background: { r: 90, g: 90, b: 90 } },
    })
      .png()
      .toBuffer();
    const h = await pdqHashImage(flat);
    expect(h.quality).toBeLessThan(50);
    await store.putBank('known');
    await store.addEntries('known', [{ hash: wordsToPdqHex(h.hash), kind: 'pdq' }]);
    const ctx = context(testPolicy());
    expect(await image.detect(await imageInput(flat), ctx)).toEqual([]);
    expect(ctx.notes).toEqual([`PDQ quality ${h.quality} is under 50: not matched`]);
    // With the bar lowered, the same hash matches.
    const lowered = context(testPolicy({ hashMatch: { minQuality: 0 } }));
    expect(await image.detect(await imageInput(flat), lowered)).toHaveLength(1);
  });

  it('matches MD5 and SHA-256 of the bytes exactly', async () => {
    const md5 = createHash('md5').update(png).digest('hex');
    const sha256 = createHash('sha256').update(png).digest('hex');
    await store.putBank('exact');
    await store.addEntries('exact', [
      { hash: md5, kind: 'md5', label: 'known-file' },
      { hash: sha256, kind: 'sha256' },
      { hash: 'd41d8cd98f00b204e9800998ecf8427e', kind: 'md5' },
    ]);
    const signals = await image.detect(await imageInput(png), context());
    expect(signals.map((s) => [s.label, s.evidence[0]])).toEqual([
      [
        'exact:known-file',
        { kind: 'note', text: `bank exact, label known-file, md5 distance 0, matched ${md5}` },
      ],
      ['exact', { kind: 'note', text: `bank exact, label -, sha256 distance 0, matched ${sha256}` }],
    ]);
  });

  it('changes its data version when a bank changes, and only then', async () => {
    await store.putBank('known');
    await store.addEntries('known', [{ hash: pngPdq, kind: 'pdq' }]);
    const v1 = await image.dataVersion?.();
    expect(v1).toMatch(/^banks:/);
    expect(await video.dataVersion?.()).toBe(v1);
    expect(await image.dataVersion?.()).toBe(v1);
    await store.removeEntries('known', [{ hash: pngPdq, kind: 'pdq' }]);
    expect(await image.dataVersion?.()).not.toBe(v1);
  });

  it('matches video frames (vPDQ) with time evidence, and the file exactly', async () => {
    const frames = (await vpdqHashVideo(CLIP, { secondsPerHash: 1 })).frames;
    const third = frames.find((f) => f.timestamp === 3);
    if (!third) throw new Error('no frame at 3 s');
    const md5 = createHash('md5').update(readFileSync(CLIP)).digest('hex');
    await store.putBank('videos');
    await store.addEntries('videos', [
      { hash: wordsToPdqHex(third.hash), kind: 'pdq', label: 'clip' },
      { hash: md5, kind: 'md5', label: 'clip-file' },
    ]);
    const probe = await probeMedia(CLIP);
    const input: VideoContent = {
      kind: 'video',
      path: CLIP,
      probe,
      durationSec: probe.durationSec ?? 0,
      settings: { sampling: DEFAULT_FRAME_SAMPLING, ocr: 'off', frameModel: 'fast' },
    };
    const signals = await video.detect(input, context(testPolicy()));
    expect(signals[0]).toMatchObject({
      label: 'videos:clip-file',
      evidence: [{ kind: 'note', text: `bank videos, label clip-file, md5 distance 0, matched ${md5}` }],
    });
    const frameSignal = signals[1];
    expect(frameSignal).toMatchObject({ detector: 'hash-match', label: 'videos:clip', score: 1 });
    expect(frameSignal?.evidence[0]).toEqual({
      kind: 'note',
      text: expect.stringMatching(
        /^bank videos, label clip, pdq distance 0, matched [0-9a-f]{64}, \d+ frames?$/,
      ),
    });
    const times = frameSignal?.evidence.filter((e) => e.kind === 'time') ?? [];
    expect(times).toContainEqual(expect.objectContaining({ kind: 'time', start: 3, end: 4, rule: 'pdq' }));
  }, 30_000);
});
