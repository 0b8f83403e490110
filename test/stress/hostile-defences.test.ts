/** @jest-environment ./test/helpers/onnx-environment.js */
/**
 * The defences the hostile corpus (hostile-corpus.test.ts) relies on, one by one and in-process, so that a failure
 * there points at its cause: reading order under bidi overrides, the normalizer's Zalgo, replacement-character and
 * homoglyph folding, the probe's stream and frame-size limits, the image decoder's header and animation limits, and
 * the frame sampler refusing a video it decoded nothing of.
 */
import sharp from 'sharp';
import { createTextDetectors } from '../../core/detectors/text';
import {
  CorruptMediaError,
  ItemTooLargeError,
  TooManyStreamsError,
  UnsupportedMediaError,
} from '../../core/errors';
import { MAX_FRAME_PIXELS } from '../../core/ffmpeg/ffmpeg-binary';
import { MAX_MEDIA_STREAMS, parseProbe } from '../../core/ffmpeg/probe-media';
import { decodeImage } from '../../core/image/decode-image';
import { silentLogger } from '../../core/logging/logger';
import type { Signal } from '../../core/signals';
import { decodeText } from '../../core/text/decode-text';
import { normalizeText } from '../../core/text/normalize';
import { hasBidiOverride, normalizeReadingOrder, readingOrder } from '../../core/text/reading-order';

const RLO = '\u202e';
const LRO = '\u202d';
const PDF = '\u202c';
const rev = (s: string) => [...s].reverse().join('');

describe('reading order under bidi overrides', () => {
  const read = (s: string) => readingOrder(s)?.text;

  it('is undefined without an override (embeddings and isolates force no direction)', () => {
    expect(readingOrder('plain text')).toBeUndefined();
    expect(readingOrder('\u202bembedded\u202c \u2067isolated\u2069')).toBeUndefined();
    expect(hasBidiOverride(`a${RLO}b`)).toBe(true);
  });

  it('reverses an RLO run, up to its PDF or the end of the paragraph', () => {
    expect(read(`I will ${RLO}llik${PDF} you`)).toBe('I will kill you');
    expect(read(`a\n${RLO}cba\nxyz`)).toBe('a\nabc\nxyz');
    expect(read(`${RLO}cba`)).toBe('abc');
  });

  it('keeps nested runs in one piece: an LRO inside an RLO reads forwards, in the reversed position', () => {
    expect(read(`${RLO}${rev(' you')}${LRO}kill${PDF}${rev('I will ')}${PDF}`)).toBe('I will kill you');
    expect(read(`${RLO}${rev(' ab')}\u2067cd\u2069${PDF}`)).toBe('cd ab');
  });

  it('keeps right-to-left script in its logical order under RLO, and reverses it under LRO', () => {
    expect(read(`${RLO}cba שלום${PDF}`)).toBe('שלום abc');
    expect(read(`${LRO}םולש abc${PDF}`)).toBe('שלום abc');
  });

  it('keeps a combining mark with its letter, and ignores unmatched closers', () => {
    expect(read(`${RLO}e\u0301b${PDF}`)).toBe('be\u0301');
    expect(read(`${PDF}\u2069${RLO}ba${PDF}${PDF}`)).toBe('ab');
  });

  it('survives nesting past the depth limit and megabytes of overrides in linear time', () => {
    const deep = `${RLO.repeat(500)}cba${PDF.repeat(500)}`;
    expect(read(deep)).toMatch(/^(abc|cba)$/);
    const big = `${RLO}${'ab '.repeat(300_000)}${PDF}`.repeat(2);
    const started = performance.now();
    expect(read(big)?.length).toBe(1_800_000);
    expect(performance.now() - started).toBeLessThan(3000);
  });

  it('maps every normalized unit back to the original character it came from', () => {
    const original = `Hey ${RLO}${rev('I WILL KILL YOU')}${PDF}!`;
    const n = normalizeReadingOrder(original);
    expect(n?.text).toBe('hey i will kill you!');
    for (let i = 0; i < (n?.text.length ?? 0); i++) {
      const from = original[n?.offsets[i] as number] as string;
      if (/[a-z]/.test(n?.text[i] as string)) expect(from.toLowerCase()).toBe(n?.text[i]);
    }
  });
});

describe('text detectors on evasions', () => {
  const detectors = createTextDetectors();
  const run = async (text: string): Promise<Signal[]> => {
    const input = { kind: 'text' as const, text, normalized: normalizeText(text), invalidEncoding: false };
    const ctx = { signal: new AbortController().signal, logger: silentLogger };
    const out: Signal[] = [];
    for (const d of detectors) {
      await d.init?.();
      out.push(...(await d.detect(input, ctx)));
    }
    return out;
  };
  const threat = (signals: Signal[]) =>
    signals.find((s) => s.detector === 'text-rules' && s.category === 'violence');

  it('finds a threat written backwards under RLO, with a span over the reversed original', async () => {
    const text = `I will ${RLO}llik${PDF} you`;
    const s = threat(await run(text));
    expect(s?.score).toBeGreaterThanOrEqual(0.85);
    const span = s?.evidence.find((e) => e.kind === 'span');
    expect(span).toMatchObject({ kind: 'span', start: 0, end: text.length });
  });

  it('does not change what is found in text without overrides', async () => {
    expect(threat(await run('I will kill you'))?.evidence).toEqual([
      { kind: 'span', start: 0, end: 15, rule: expect.any(String) },
    ]);
    expect(threat(await run('see you at lunch'))).toBeUndefined();
  });

  it('finds threats split by invalid bytes, under Zalgo piles, and in Armenian and Cherokee look-alikes', async () => {
    const invalid = decodeText(
      Buffer.from([
        0x49, 0x20, 0x77, 0x69, 0xff, 0x6c, 0x6c, 0x20, 0x6b, 0x69, 0x6c, 0x6c, 0x20, 0x79, 0x6f, 0x75,
      ]),
      'utf-8',
    );
    expect(invalid.text).toBe('I wi\ufffdll kill you');
    expect(threat(await run(invalid.text))).toBeDefined();
    const zalgo = [...'I will kill you']
      .map((c) => (c === ' ' ? c : `${c}\u0301\u0300\u0302\u0308`))
      .join('');
    expect(normalizeText(zalgo).text).toBe('i will kill you');
    expect(threat(await run(zalgo))).toBeDefined();
    expect(normalizeText('I will \u13e6\u13a5\u13de\u13de y\u0585u').text).toBe('i will kill you');
  });

  it('keeps accents that languages use (one or two marks) and other scripts as they are', () => {
    expect(normalizeText('e\u0301cole, Vie\u0323\u0302t').text).toBe('école, việt');
    expect(normalizeText('Օրինակ հայերեն').text).toBe('օրինակ հայերեն');
  });
});

describe('probe limits', () => {
  const probeOutput = (streams: string[]) =>
    [
      "Input #0, mov,mp4,m4a,3gp,3g2,mj2, from 'x.mp4':",
      '  Duration: 00:00:01.00, start: 0.000000, bitrate: 100 kb/s',
      ...streams,
    ].join('\n');
  const video = (i: number, size: string) =>
    `    Stream #0:${i}(und): Video: h264 (avc1 / 0x31637661), yuv420p, ${size}, 100 kb/s, 25 fps, 25 tbr (default)`;
  const audio = (i: number) =>
    `    Stream #0:${i}(und): Audio: aac (mp4a / 0x6134706D), 8000 Hz, mono, fltp, 16 kb/s`;

  it(`refuses more than ${MAX_MEDIA_STREAMS} streams with too-many-streams`, () => {
    const many = [video(0, '64x48'), ...Array.from({ length: 50 }, (_, i) => audio(i + 1))];
    expect(() => parseProbe(probeOutput(many))).toThrow(TooManyStreamsError);
    const ok = [video(0, '64x48'), ...Array.from({ length: MAX_MEDIA_STREAMS - 1 }, (_, i) => audio(i + 1))];
    expect(parseProbe(probeOutput(ok)).video).toMatchObject({ width: 64, height: 48 });
  });

  it(`refuses a video stream over ${MAX_FRAME_PIXELS} pixels, even when it is not the first`, () => {
    expect(() => parseProbe(probeOutput([video(0, '60000x60000')]))).toThrow(ItemTooLargeError);
    expect(() => parseProbe(probeOutput([video(0, '64x48'), video(1, '16384x16384')]))).toThrow(
      ItemTooLargeError,
    );
    expect(parseProbe(probeOutput([video(0, '7680x4320')])).video).toMatchObject({ width: 7680 });
  });

  it('reports a frame that -max_pixels kept the probe from decoding as too-large, with its size', () => {
    const stopped =
      '[png @ 0x1] [IMGUTILS @ 0x2] Picture size 12000x12000 exceeds specified max pixel count 40000000, see the ' +
      'documentation if you wish to increase it\n' +
      probeOutput([
        '    Stream #0:0(eng): Video: png (png  / 0x20676E70), none(pc), 3418 kb/s, 1 fps (default)',
      ]);
    expect(() => parseProbe(stopped)).toThrow(/12000×12000/);
    expect(() => parseProbe(stopped)).toThrow(ItemTooLargeError);
  });

  it('reports a list demuxer that failed on what the item names as unsupported-media', () => {
    const err =
      "[concat @ 0x55d0c0] Unsafe file name '/elsewhere/video.ts'\nplaylist.mp3: Operation not permitted";
    expect(() => parseProbe(err)).toThrow(UnsupportedMediaError);
    expect(() => parseProbe('[mp3 @ 0x1] Failed to read frame size\nx.mp3: Invalid argument')).toThrow(
      CorruptMediaError,
    );
  });
});

describe('image decode limits', () => {
  it('refuses a header over the pixel limit as too-large (not corrupt-media), before decoding', async () => {
    const png = await sharp({ create: { width: 300, height: 300, channels: 3, background: '#808080' } })
      .png()
      .toBuffer();
    await expect(decodeImage(png, 'png', { maxPixels: 10_000, maxFrames: 8 })).rejects.toMatchObject({
      code: 'too-large',
      message: expect.stringContaining('300×300'),
    });
  });

  it('refuses an animation whose sampled frames together pass the total pixel budget', async () => {
    const frames = 4;
    const raw = Buffer.alloc(100 * 100 * frames * 3);
    for (let f = 0; f < frames; f++) raw.fill(40 + 50 * f, f * 30_000, (f + 1) * 30_000);
    const gif = await sharp(raw, { raw: { width: 100, height: 100 * frames, channels: 3, pageHeight: 100 } })
      .gif()
      .toBuffer();
    await expect(
      decodeImage(gif, 'gif', { maxPixels: 20_000, maxFrames: 8, maxTotalPixels: 30_000 }),
    ).rejects.toMatchObject({ code: 'too-large' });
    const ok = await decodeImage(gif, 'gif', { maxPixels: 20_000, maxFrames: 8, maxTotalPixels: 40_000 });
    expect(ok.frames).toHaveLength(frames);
  });
});
