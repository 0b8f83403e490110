import { join } from 'node:path';
import { CorruptMediaError, UnreadableItemError, UnsupportedMediaError } from '../../../core/errors';
import { parseProbe, probeMedia } from '../../../core/ffmpeg/probe-media';
import {
  BUNDLED_FFMPEG,
  describeWithFfmpeg,
  FIXTURE_FFMPEG,
  ffmpegInputSummary,
  makeClip,
  makeOggAudio,
  makeRotated,
  makeTempDir,
  noiseBytes,
  removeDir,
  writeFixture,
} from '../../helpers/media-fixtures';

// Stream summaries as ffmpeg prints them for `ffmpeg -i FILE` (no output file), copied from real runs.
const MP4_H264_AAC_FFMPEG5 = `Input #0, mov,mp4,m4a,3gp,3g2,mj2, from 'clip.mp4':
  Metadata:
    major_brand     : isom
    minor_version   : 512
    compatible_brands: isomiso2avc1mp41
    encoder         : Lavf59.27.100
  Duration: 00:01:03.52, start: 0.000000, bitrate: 785 kb/s
  Stream #0:0[0x1](und): Video: h264 (High) (avc1 / 0x31637661), yuv420p(progressive), 1920x1080 [SAR 1:1 DAR 16:9], 706 kb/s, 29.97 fps, 29.97 tbr, 30k tbn (default)
    Metadata:
      handler_name    : VideoHandler
      vendor_id       : [0][0][0][0]
      encoder         : Lavc59.37.100 libx264
  Stream #0:1[0x2](und): Audio: aac (LC) (mp4a / 0x6134706D), 44100 Hz, stereo, fltp, 128 kb/s (default)
    Metadata:
      handler_name    : SoundHandler
      vendor_id       : [0][0][0][0]
At least one output file must be specified
`;

const MP4_H264_AAC_FFMPEG4 = `Input #0, mov,mp4,m4a,3gp,3g2,mj2, from 'clip.mp4':
  Metadata:
    major_brand     : isom
    minor_version   : 512
    compatible_brands: isomiso2avc1mp41
    encoder         : Lavf58.20.100
  Duration: 01:02:03.04, start: 0.000000, bitrate: 785 kb/s
    Stream #0:0(und): Video: h264 (Constrained Baseline) (avc1 / 0x31637661), yuv420p, 320x240 [SAR 1:1 DAR 4:3], 706 kb/s, 25 fps, 25 tbr, 12800 tbn, 50 tbc (default)
    Metadata:
      handler_name    : VideoHandler
    Stream #0:1(und): Audio: aac (LC) (mp4a / 0x6134706D), 48000 Hz, 5.1(side), fltp, 384 kb/s (default)
    Metadata:
      handler_name    : SoundHandler
At least one output file must be specified
`;

const WEBM_VP9_OPUS = `Input #0, matroska,webm, from 'clip.webm':
  Metadata:
    ENCODER         : Lavf59.27.100
  Duration: 00:00:02.01, start: -0.007000, bitrate: 495 kb/s
  Stream #0:0: Video: vp9 (Profile 0), yuv420p(tv, progressive), 640x360, SAR 1:1 DAR 16:9, 30 fps, 30 tbr, 1k tbn
    Metadata:
      ENCODER         : Lavc59.37.100 libvpx-vp9
      DURATION        : 00:00:02.007000000
  Stream #0:1: Audio: opus, 48000 Hz, mono, fltp
    Metadata:
      ENCODER         : Lavc59.37.100 libopus
      DURATION        : 00:00:02.008000000
At least one output file must be specified
`;

const OGG_VORBIS = `Input #0, ogg, from 'tone.ogg':
  Duration: 00:00:02.00, start: 0.000000, bitrate: 27 kb/s
  Stream #0:0: Audio: vorbis, 44100 Hz, mono, fltp, 80 kb/s
    Metadata:
      encoder         : Lavc59.37.100 libvorbis
At least one output file must be specified
`;

/** A phone video as ffmpeg 4.1 prints it: a `rotate` tag and the matching display matrix. */
const ROTATE_TAG_90 = `Input #0, mov,mp4,m4a,3gp,3g2,mj2, from 'phone.mov':
  Metadata:
    major_brand     : qt
    creation_time   : 2024-05-01T10:00:00.000000Z
  Duration: 00:00:12.40, start: 0.000000, bitrate: 16830 kb/s
    Stream #0:0(und): Video: h264 (High) (avc1 / 0x31637661), yuv420p(tv, bt709), 1920x1080, 16700 kb/s, 29.98 fps, 29.97 tbr, 600 tbn, 1200 tbc (default)
    Metadata:
      rotate          : 90
      creation_time   : 2024-05-01T10:00:00.000000Z
      handler_name    : Core Media Video
      encoder         : H.264
    Side data:
      displaymatrix: rotation of -90.00 degrees
    Stream #0:1(und): Audio: aac (LC) (mp4a / 0x6134706D), 44100 Hz, mono, fltp, 93 kb/s (default)
At least one output file must be specified
`;

/** The same phone video as ffmpeg ≥ 5 prints it: no `rotate` tag, only the display matrix. */
const DISPLAYMATRIX_MINUS_90 = `Input #0, mov,mp4,m4a,3gp,3g2,mj2, from 'phone.mov':
  Duration: 00:00:12.40, start: 0.000000, bitrate: 16830 kb/s
  Stream #0:0[0x1](und): Video: h264 (High) (avc1 / 0x31637661), yuv420p(tv, bt709, progressive), 1920x1080, 16700 kb/s, 29.98 fps, 29.97 tbr, 600 tbn (default)
    Metadata:
      handler_name    : Core Media Video
      vendor_id       : [0][0][0][0]
    Side data:
      displaymatrix: rotation of -90.00 degrees
  Stream #0:1[0x2](und): Audio: aac (LC) (mp4a / 0x6134706D), 44100 Hz, mono, fltp, 93 kb/s (default)
At least one output file must be specified
`;

const NO_DURATION = `Input #0, h264, from 'raw.h264':
  Duration: N/A, bitrate: N/A
    Stream #0:0: Video: h264 (High), yuv420p(progressive), 1280x720, 25 fps, 25 tbr, 1200k tbn, 50 tbc
At least one output file must be specified
`;

const GARBAGE = `[mov,mp4,m4a,3gp,3g2,mj2 @ 0x55d0c0a3c940] moov atom not found
/tmp/winnow-spool-1b2c: Invalid data found when processing input
`;

const HLS_NOT_WHITELISTED = `[hls @ 0x55bbd6211940] Skip ('#EXT-X-VERSION:3')
[hls @ 0x55bbd6211940] Opening 'http://127.0.0.1:38875/seg.ts' for reading
[http @ 0x55bbd6216000] Protocol 'http' not on whitelist 'file,pipe'!
[hls @ 0x55bbd6211940] Failed to open segment 0 of playlist 0
[hls @ 0x55bbd6211940] Error when loading first segment 'http://127.0.0.1:38875/seg.ts'
/tmp/winnow-spool-9f: Invalid data found when processing input
`;

describe('parseProbe', () => {
  it('reads an H.264 + AAC MP4 as ffmpeg 5 prints it', () => {
    expect(parseProbe(MP4_H264_AAC_FFMPEG5)).toEqual({
      durationSec: 63.52,
      video: { codec: 'h264', width: 1920, height: 1080, fps: 29.97, rotation: 0 },
      audio: { codec: 'aac', sampleRate: 44100, channels: 'stereo' },
    });
  });

  it('reads the same summary as the bundled ffmpeg 4.1 prints it (indented streams, tbc, 5.1 layout)', () => {
    const probe = parseProbe(MP4_H264_AAC_FFMPEG4);
    expect(probe.durationSec).toBeCloseTo(3723.04, 6);
    expect(probe.video).toEqual({ codec: 'h264', width: 320, height: 240, fps: 25, rotation: 0 });
    expect(probe.audio).toEqual({ codec: 'aac', sampleRate: 48000, channels: '5.1(side)' });
  });

  it('reads VP9 + Opus in WebM', () => {
    expect(parseProbe(WEBM_VP9_OPUS)).toEqual({
      durationSec: 2.01,
      video: { codec: 'vp9', width: 640, height: 360, fps: 30, rotation: 0 },
      audio: { codec: 'opus', sampleRate: 48000, channels: 'mono' },
    });
  });

  it('reads audio-only Ogg without inventing a video stream', () => {
    const probe = parseProbe(OGG_VORBIS);
    expect(probe).toEqual({
      durationSec: 2,
      audio: { codec: 'vorbis', sampleRate: 44100, channels: 'mono' },
    });
    expect(probe.video).toBeUndefined();
  });

  it('reads a `rotate : 90` tag as a rotation of 90', () => {
    expect(parseProbe(ROTATE_TAG_90).video).toMatchObject({ width: 1920, height: 1080, rotation: 90 });
  });

  it('reads `displaymatrix: rotation of -90.00 degrees` (no tag) as the same rotation of 90', () => {
    expect(parseProbe(DISPLAYMATRIX_MINUS_90).video).toMatchObject({
      width: 1920,
      height: 1080,
      fps: 29.98,
      rotation: 90,
    });
  });

  // BUG (core/ffmpeg/probe-media.ts, the `rotation:` line of parseProbe): the display-matrix angle is
  // counter-clockwise, the `rotate` tag clockwise (tag 90 ⇔ matrix -90, tag 270 ⇔ matrix +90), but parseProbe
  // takes Math.abs of either. A matrix of +90 (tag 270) therefore reads as 90, and the same file gives 270 with
  // ffmpeg 4.1 (which prints the tag first) and 90 with ffmpeg ≥ 5 (matrix only). Expected 270 here, got 90.
  it('reads `displaymatrix: rotation of 90.00 degrees` as 270, like its `rotate : 270` tag', () => {
    const matrixOnly = DISPLAYMATRIX_MINUS_90.replace('rotation of -90.00', 'rotation of 90.00');
    const withTag = ROTATE_TAG_90.replace('rotate          : 90', 'rotate          : 270').replace(
      'rotation of -90.00',
      'rotation of 90.00',
    );
    expect(parseProbe(withTag).video?.rotation).toBe(270);
    expect(parseProbe(matrixOnly).video?.rotation).toBe(270);
  });

  it('leaves the duration out when the container has none', () => {
    const probe = parseProbe(NO_DURATION);
    expect(probe.durationSec).toBeUndefined();
    expect(probe.video).toEqual({ codec: 'h264', width: 1280, height: 720, fps: 25, rotation: 0 });
    expect(probe.audio).toBeUndefined();
  });

  it('turns "Invalid data found" (no Input #0) into CorruptMediaError, without the temporary path', () => {
    let err: unknown;
    try {
      parseProbe(GARBAGE);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CorruptMediaError);
    expect(err).toMatchObject({ code: 'corrupt-media', retryable: false });
    expect((err as Error).message).toMatch(/^ffmpeg cannot read the container: .*Invalid data found/);
    expect((err as Error).message).not.toContain('winnow-spool');
  });

  it('turns empty stderr into CorruptMediaError too', () => {
    expect(() => parseProbe('')).toThrow(CorruptMediaError);
  });

  it('turns "Protocol … not on whitelist" into UnsupportedMediaError, before the corrupt-container check', () => {
    expect(() => parseProbe(HLS_NOT_WHITELISTED)).toThrow(UnsupportedMediaError);
    expect(() => parseProbe(HLS_NOT_WHITELISTED)).toThrow(/refers to other resources/);
    expect(() => parseProbe('[NULL @ 0x1] Protocol not found\nftp://x: Protocol not found\n')).toThrow(
      UnsupportedMediaError,
    );
  });
});

describeWithFfmpeg('probeMedia on generated files', () => {
  let dir = '';
  let mp4 = '';
  let webm = '';
  let ogg = '';
  let silent = '';
  let rotated = '';

  beforeAll(async () => {
    dir = makeTempDir('winnow-probe-');
    [mp4, webm, ogg, silent] = await Promise.all([
      makeClip(join(dir, 'clip.mp4'), {
        pattern: 'testsrc2',
        width: 320,
        height: 240,
        fps: 25,
        durationSec: 3,
        audioSampleRate: 44100,
      }),
      makeClip(join(dir, 'clip.webm'), {
        pattern: 'testsrc2',
        width: 256,
        height: 144,
        fps: 30,
        durationSec: 2,
        audioSampleRate: 48000,
        container: 'webm',
      }),
      makeOggAudio(join(dir, 'tone.ogg'), 2),
      makeClip(join(dir, 'silent.mp4'), { pattern: 'blue', width: 64, height: 48, fps: 10, durationSec: 4 }),
    ]);
    rotated = await makeRotated(mp4, join(dir, 'rotated.mp4'), 90);
  }, 60_000);
  afterAll(() => removeDir(dir));

  it('H.264 + AAC MP4: duration, size, fps and audio', async () => {
    const probe = await probeMedia(mp4);
    expect(probe.durationSec).toBeCloseTo(3, 0);
    expect(Math.abs((probe.durationSec ?? 0) - 3)).toBeLessThanOrEqual(0.1);
    expect(probe.video).toMatchObject({ codec: 'h264', width: 320, height: 240, fps: 25, rotation: 0 });
    expect(probe.audio).toMatchObject({ codec: 'aac', sampleRate: 44100, channels: 'mono' });
  });

  it('VP9 + Opus WebM', async () => {
    const probe = await probeMedia(webm);
    expect(Math.abs((probe.durationSec ?? 0) - 2)).toBeLessThanOrEqual(0.1);
    expect(probe.video).toMatchObject({ codec: 'vp9', width: 256, height: 144, fps: 30 });
    expect(probe.audio).toMatchObject({ codec: 'opus', sampleRate: 48000 });
  });

  it('audio-only Ogg has audio and no video', async () => {
    const probe = await probeMedia(ogg);
    expect(Math.abs((probe.durationSec ?? 0) - 2)).toBeLessThanOrEqual(0.1);
    expect(probe.video).toBeUndefined();
    expect(probe.audio).toMatchObject({ codec: 'vorbis', sampleRate: 44100 });
  });

  it('a video without sound has no audio', async () => {
    const probe = await probeMedia(silent);
    expect(Math.abs((probe.durationSec ?? 0) - 4)).toBeLessThanOrEqual(0.1);
    expect(probe.video).toMatchObject({ width: 64, height: 48, fps: 10 });
    expect(probe.audio).toBeUndefined();
  });

  it('a rotated video reports a quarter-turn rotation and its coded size', async () => {
    const probe = await probeMedia(rotated);
    expect(probe.video).toMatchObject({ width: 320, height: 240 });
    expect([90, 270]).toContain(probe.video?.rotation);
  });

  // Same BUG as the parseProbe case above, seen on a real file: ffmpeg 5 writes `rotate=90` as a display matrix
  // of +90 (which ffmpeg 4.1 shows as `rotate : 270`); the two binaries then disagree on the rotation.
  (BUNDLED_FFMPEG ? it : it.skip)('the rotation does not depend on which ffmpeg probes', async () => {
    const bundled = await probeMedia(rotated, { ffmpegPath: BUNDLED_FFMPEG });
    const system = await probeMedia(rotated, { ffmpegPath: FIXTURE_FFMPEG });
    expect(system.video?.rotation).toBe(bundled.video?.rotation);
  });

  it('parses what both ffmpeg builds print for the same file alike (apart from rotation)', async () => {
    const binaries = [FIXTURE_FFMPEG, ...(BUNDLED_FFMPEG ? [BUNDLED_FFMPEG] : [])];
    const probes = await Promise.all(binaries.map((b) => probeMedia(mp4, { ffmpegPath: b })));
    for (const p of probes) expect(p).toEqual(probes[0]);
    const text = await ffmpegInputSummary(mp4);
    expect(parseProbe(text)).toEqual(probes[0]);
  });

  it('a file of random bytes is CorruptMediaError', async () => {
    const junk = writeFixture(dir, 'junk.mp4', noiseBytes(64 * 1024, 3));
    await expect(probeMedia(junk)).rejects.toMatchObject({ code: 'corrupt-media' });
    await expect(probeMedia(junk)).rejects.toBeInstanceOf(CorruptMediaError);
  });

  it('a missing file is CorruptMediaError (ffmpeg prints no Input #0)', async () => {
    await expect(probeMedia(join(dir, 'nope.mp4'))).rejects.toBeInstanceOf(CorruptMediaError);
  });

  it('a missing ffmpeg binary is UnreadableItemError naming FFMPEG_PATH', async () => {
    const err = await probeMedia(mp4, { ffmpegPath: '/nonexistent/ffmpeg' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnreadableItemError);
    expect(err).toMatchObject({ code: 'unreadable' });
    expect((err as Error).message).toMatch(/FFMPEG_PATH/);
  });

  it('an aborted signal rejects', async () => {
    const ac = new AbortController();
    ac.abort(new Error('stop'));
    await expect(probeMedia(mp4, { signal: ac.signal })).rejects.toThrow('stop');
  });
});
