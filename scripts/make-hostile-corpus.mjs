#!/usr/bin/env node
// Generates Winnow's hostile-input corpus: decompression bombs, truncated and corrupt media, polyglots, SVG with
// external entities, playlists that point elsewhere, degenerate video and audio, hostile text (invalid UTF-8, huge,
// one giant line, bidi overrides, homoglyphs), each with the verdict Winnow must give and the time and memory it may
// take. Nothing is downloaded: every byte is built here, by hand where that is cheap, with sharp (already a
// dependency) for ordinary JPEG/WebP pictures, and with the static ffmpeg of @ffmpeg-installer/ffmpeg for the few
// real video files.
//
//   node scripts/make-hostile-corpus.mjs <outDir> [--full] [--canary-url http://127.0.0.1:PORT]
//
// Writes:
//   <outDir>/cases/...      the items to scan (the input of `winnow scan <outDir>/cases`)
//   <outDir>/outside/...    files outside the input that hostile items point at (a scan must never read them)
//   <outDir>/manifest.json  one entry per case: id, file (relative to <outDir>), what it is, the expectation
//                           ({decision} or {error: code | [codes]}) and its limits ({wallMs, rssMiB})
//
// The default scale is what `npm test` runs; --full writes the full-size cases of `npm run test:stress` (only the
// cases whose full size costs time change; both scales hold the same cases and expectations). Output is
// deterministic for the same arguments, ffmpeg and sharp: fixed seeds, no timestamps, ffmpeg in bitexact mode.
// Absolute paths inside the playlists and SVG entities name <outDir>/outside, so they follow <outDir>.
//
// Expectations assume the bundled default policy (policies/default.yaml: maxTextBytes 16 MiB, maxMediaDurationSec
// 3 h) and the engine's built-in media limits (core/image/decode-image.ts, core/ffmpeg/probe-media.ts).

import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateRawSync, deflateSync, constants as Z } from 'node:zlib';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(ROOT, 'package.json'));

const MiB = 1024 * 1024;
/** The default policy's `limits.maxTextBytes`. */
const MAX_TEXT_BYTES = 16 * MiB;
/** The threat every hostile text hides: the rules block it (violence, 0.9) when they see it. */
const THREAT = 'I will kill you';

// ---------------------------------------------------------------------------------------------------------------
// Arguments

function usage(message) {
  if (message) process.stderr.write(`make-hostile-corpus: ${message}\n`);
  process.stderr.write('usage: node scripts/make-hostile-corpus.mjs <outDir> [--full] [--canary-url URL]\n');
  process.exit(2);
}

function parseArgs(argv) {
  let outDir;
  let full = false;
  let canaryUrl = 'http://127.0.0.1:9';
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--full') full = true;
    else if (a === '--canary-url') {
      canaryUrl = argv[++i];
      if (!canaryUrl || !/^https?:\/\/[^/\s]+$/.test(canaryUrl)) usage('--canary-url needs http://host:port');
    } else if (a.startsWith('-')) usage(`unknown option ${a}`);
    else if (outDir === undefined) outDir = a;
    else usage('only one output directory');
  }
  if (!outDir) usage();
  return { outDir: resolve(outDir), full, canaryUrl };
}

// ---------------------------------------------------------------------------------------------------------------
// Bytes: CRC-32, Adler-32, deflate streams of zeros (bombs), PNG, GIF, ZIP, MP4 boxes

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(buf, crc = 0) {
  let c = ~crc >>> 0;
  for (let i = 0; i < buf.length; i++) c = CRC_TABLE[(c ^ buf[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

// CRC-32 of `n` zero bytes without touching them: zlib's crc32_combine operator (GF(2) matrices), so a 1 GiB bomb
// costs microseconds.
function gf2Times(mat, vec) {
  let sum = 0;
  for (let i = 0; vec !== 0; i++, vec >>>= 1) if (vec & 1) sum ^= mat[i];
  return sum >>> 0;
}
function gf2Square(square, mat) {
  for (let n = 0; n < 32; n++) square[n] = gf2Times(mat, mat[n]);
}
function crc32OfZeros(n) {
  // The CRC of n zeros from the standard initial state: extend the (pre-inverted) all-ones register by n zero bytes.
  let crc = 0xffffffff;
  const odd = new Uint32Array(32);
  const even = new Uint32Array(32);
  odd[0] = 0xedb88320;
  for (let i = 1, row = 1; i < 32; i++, row <<= 1) odd[i] = row >>> 0;
  gf2Square(even, odd); // 2 zero bits
  gf2Square(odd, even); // 4 zero bits
  let len = n;
  while (len > 0) {
    gf2Square(even, odd); // first pass: 1 zero byte
    if (len & 1) crc = gf2Times(even, crc);
    len = Math.floor(len / 2);
    if (len === 0) break;
    gf2Square(odd, even);
    if (len & 1) crc = gf2Times(odd, crc);
    len = Math.floor(len / 2);
  }
  return ~crc >>> 0;
}

/** Adler-32 of `n` zero bytes: a stays 1, b adds 1 per byte. */
function adler32OfZeros(n) {
  return (((n % 65521) << 16) | 1) >>> 0;
}

const ZERO_CHUNK = MiB;
let zeroBlock;
/**
 * A raw deflate stream that inflates to `n` zero bytes, built from one compressed 1 MiB block repeated (each block
 * ends on a full flush, so copies can follow one another): about 1 KiB per MiB, in no time.
 */
function deflatedZeros(n) {
  zeroBlock ??= deflateRawSync(Buffer.alloc(ZERO_CHUNK), { level: 9, finishFlush: Z.Z_FULL_FLUSH });
  const parts = [];
  for (let i = 0; i < Math.floor(n / ZERO_CHUNK); i++) parts.push(zeroBlock);
  const rest = n % ZERO_CHUNK;
  parts.push(rest > 0 ? deflateRawSync(Buffer.alloc(rest), { level: 9 }) : Buffer.from([0x03, 0x00]));
  return Buffer.concat(parts);
}

function zlibZeros(n) {
  const tail = Buffer.alloc(4);
  tail.writeUInt32BE(adler32OfZeros(n));
  return Buffer.concat([Buffer.from([0x78, 0xda]), deflatedZeros(n), tail]);
}

const u8 = (...b) => Buffer.from(b);
function u16le(v) {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(v);
  return b;
}
function u32le(v) {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(v >>> 0);
  return b;
}
function u16be(v) {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(v);
  return b;
}
function u32be(v) {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(v >>> 0);
  return b;
}

const PNG_SIGNATURE = u8(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);
function pngChunk(type, data) {
  const td = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  return Buffer.concat([u32be(data.length), td, u32be(crc32(td))]);
}
function pngIhdr(width, height, bitDepth, colorType) {
  return pngChunk('IHDR', Buffer.concat([u32be(width), u32be(height), u8(bitDepth, colorType, 0, 0, 0)]));
}
/** A PNG of the given raw scanlines (each starting with its filter byte). */
function png(width, height, colorType, scanlines, extraChunks = []) {
  return Buffer.concat([
    PNG_SIGNATURE,
    pngIhdr(width, height, 8, colorType),
    ...extraChunks,
    pngChunk('IDAT', deflateSync(scanlines, { level: 9 })),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}
/** A small grey-gradient RGB PNG: an ordinary, harmless picture. */
function gradientPng(width, height, extraChunks = []) {
  const rows = [];
  for (let y = 0; y < height; y++) {
    const row = Buffer.alloc(1 + width * 3);
    for (let x = 0; x < width; x++) {
      const v = 60 + Math.round((120 * (x + y)) / (width + height));
      row[1 + x * 3] = v;
      row[2 + x * 3] = v + 10;
      row[3 + x * 3] = v + 20;
    }
    rows.push(row);
  }
  return png(width, height, 2, Buffer.concat(rows), extraChunks);
}

/** LZW for GIF image data (variable code size, clear when the table is full), split into sub-blocks. */
function gifLzw(indices, minCodeSize) {
  const clear = 1 << minCodeSize;
  const eoi = clear + 1;
  let codeSize = minCodeSize + 1;
  let next = eoi + 1;
  let dict = new Map();
  const out = [];
  let acc = 0;
  let bits = 0;
  const emit = (code) => {
    acc |= code << bits;
    bits += codeSize;
    while (bits >= 8) {
      out.push(acc & 0xff);
      acc >>>= 8;
      bits -= 8;
    }
  };
  emit(clear);
  let prefix = indices[0];
  for (let i = 1; i < indices.length; i++) {
    const k = indices[i];
    const key = prefix * 256 + k;
    const found = dict.get(key);
    if (found !== undefined) {
      prefix = found;
      continue;
    }
    emit(prefix);
    if (next < 4096) {
      dict.set(key, next++);
      if (next > 1 << codeSize && codeSize < 12) codeSize++;
    } else {
      emit(clear);
      dict = new Map();
      codeSize = minCodeSize + 1;
      next = eoi + 1;
    }
    prefix = k;
  }
  emit(prefix);
  emit(eoi);
  if (bits > 0) out.push(acc & 0xff);
  const data = Buffer.from(out);
  const blocks = [u8(minCodeSize)];
  for (let p = 0; p < data.length; p += 255) {
    const part = data.subarray(p, Math.min(data.length, p + 255));
    blocks.push(u8(part.length), part);
  }
  blocks.push(u8(0));
  return Buffer.concat(blocks);
}

/**
 * An animated GIF: a `screenW`×`screenH` canvas with a 4-colour palette and `frames` frames of `fw`×`fh` pixels,
 * frame i at (x, y) = place(i) filled with colour i % 4.
 */
function animatedGif({ screenW, screenH, frames, fw, fh, place }) {
  const header = Buffer.concat([
    Buffer.from('GIF89a', 'latin1'),
    u16le(screenW),
    u16le(screenH),
    u8(0xf1, 0, 0), // global colour table of 4 entries
    u8(0x20, 0x40, 0x60, 0x60, 0x80, 0xa0, 0xa0, 0xb0, 0x90, 0x30, 0x50, 0x70),
    // NETSCAPE2.0 loop forever
    u8(0x21, 0xff, 0x0b),
    Buffer.from('NETSCAPE2.0', 'latin1'),
    u8(0x03, 0x01, 0x00, 0x00, 0x00),
  ]);
  const bodies = new Map();
  const parts = [header];
  for (let i = 0; i < frames; i++) {
    const colour = i % 4;
    let body = bodies.get(colour);
    if (!body) {
      body = gifLzw(new Uint8Array(fw * fh).fill(colour), 2);
      bodies.set(colour, body);
    }
    const [x, y] = place(i);
    parts.push(
      u8(0x21, 0xf9, 0x04, 0x04), // graphic control: do not dispose
      u16le(4), // 40 ms
      u8(0, 0),
      u8(0x2c),
      u16le(x),
      u16le(y),
      u16le(fw),
      u16le(fh),
      u8(0),
      body,
    );
  }
  parts.push(u8(0x3b));
  return Buffer.concat(parts);
}

/** A ZIP archive with one entry stored deflated: `inflated` zero bytes under `name`. */
function zipOfZeros(name, inflated) {
  const data = deflatedZeros(inflated);
  const fname = Buffer.from(name, 'utf8');
  const crc = crc32OfZeros(inflated);
  const size32 = Math.min(inflated, 0xffffffff);
  const local = Buffer.concat([
    u32le(0x04034b50),
    u16le(20),
    u16le(0),
    u16le(8),
    u16le(0),
    u16le(0x21),
    u32le(crc),
    u32le(data.length),
    u32le(size32),
    u16le(fname.length),
    u16le(0),
    fname,
  ]);
  const central = Buffer.concat([
    u32le(0x02014b50),
    u16le(20),
    u16le(20),
    u16le(0),
    u16le(8),
    u16le(0),
    u16le(0x21),
    u32le(crc),
    u32le(data.length),
    u32le(size32),
    u16le(fname.length),
    u16le(0),
    u16le(0),
    u16le(0),
    u16le(0),
    u32le(0),
    u32le(0),
    fname,
  ]);
  const end = Buffer.concat([
    u32le(0x06054b50),
    u16le(0),
    u16le(0),
    u16le(1),
    u16le(1),
    u32le(central.length),
    u32le(local.length + data.length),
    u16le(0),
  ]);
  return Buffer.concat([local, data, central, end]);
}

/** A gzip member inflating to `inflated` zero bytes. */
function gzipOfZeros(inflated) {
  return Buffer.concat([
    u8(0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 2, 3),
    deflatedZeros(inflated),
    u32le(crc32OfZeros(inflated)),
    u32le(inflated % 2 ** 32),
  ]);
}

/** Reproducible noise (mulberry32), starting with bytes that match no media signature. */
function noise(n, seed) {
  let a = seed >>> 0;
  const out = Buffer.alloc(n);
  for (let i = 0; i < n; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = (t ^ (t >>> 14)) >>> 24;
  }
  if (n >= 8) u8(0, 1, 2, 3, 4, 5, 6, 7).copy(out, 0);
  return out;
}

// MP4 / QuickTime boxes: find a box by path and patch it in place.
const CONTAINERS = new Set(['moov', 'trak', 'mdia', 'minf', 'stbl', 'edts', 'dinf', 'udta']);
function* boxes(buf, start = 0, end = buf.length, path = '') {
  let off = start;
  while (off + 8 <= end) {
    let size = buf.readUInt32BE(off);
    const type = buf.toString('latin1', off + 4, off + 8);
    let header = 8;
    if (size === 1) {
      size = Number(buf.readBigUInt64BE(off + 8));
      header = 16;
    } else if (size === 0) size = end - off;
    if (size < header || off + size > end) return;
    const p = path ? `${path}/${type}` : type;
    yield { type, path: p, start: off, body: off + header, end: off + size };
    if (CONTAINERS.has(type)) yield* boxes(buf, off + header, off + size, p);
    off += size;
  }
}
function findBoxes(buf, suffix) {
  return [...boxes(buf)].filter((b) => b.path === suffix || b.path.endsWith(`/${suffix}`));
}
/** Sets the duration of mvhd, every tkhd and every mdhd to `seconds` (in each box's own timescale). */
function patchDurations(buf, seconds) {
  const out = Buffer.from(buf);
  let movieScale = 1000;
  for (const b of findBoxes(out, 'moov/mvhd')) {
    const v1 = out[b.body] === 1;
    movieScale = out.readUInt32BE(b.body + (v1 ? 20 : 12));
    if (v1) out.writeBigUInt64BE(BigInt(Math.round(seconds * movieScale)), b.body + 24);
    else out.writeUInt32BE(Math.round(seconds * movieScale), b.body + 16);
  }
  for (const b of findBoxes(out, 'tkhd')) {
    const v1 = out[b.body] === 1;
    if (v1) out.writeBigUInt64BE(BigInt(Math.round(seconds * movieScale)), b.body + 28);
    else out.writeUInt32BE(Math.round(seconds * movieScale), b.body + 20);
  }
  for (const b of findBoxes(out, 'mdhd')) {
    const v1 = out[b.body] === 1;
    const scale = out.readUInt32BE(b.body + (v1 ? 20 : 12));
    if (v1) out.writeBigUInt64BE(BigInt(Math.round(seconds * scale)), b.body + 24);
    else out.writeUInt32BE(Math.round(seconds * scale), b.body + 16);
  }
  for (const b of findBoxes(out, 'elst')) {
    // edit lists also state a duration; make them agree (one entry, version 0)
    if (out[b.body] === 0 && out.readUInt32BE(b.body + 4) >= 1) {
      out.writeUInt32BE(Math.round(seconds * movieScale), b.body + 8);
    }
  }
  return out;
}
/** Empties every sample table: the tracks stay, with codec and size, but hold no sample at all. */
function emptySampleTables(buf) {
  const out = Buffer.from(buf);
  for (const type of ['stts', 'stss', 'stsc', 'stco', 'co64', 'ctts']) {
    for (const b of findBoxes(out, type)) out.writeUInt32BE(0, b.body + 4);
  }
  for (const b of findBoxes(out, 'stsz')) {
    out.writeUInt32BE(0, b.body + 4); // sample_size
    out.writeUInt32BE(0, b.body + 8); // sample_count
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Tools: ffmpeg (static 4.1 from @ffmpeg-installer/ffmpeg, else FFMPEG / ffmpeg on PATH) and sharp

function ffmpegPath() {
  if (process.env.FFMPEG) return process.env.FFMPEG;
  try {
    return require('@ffmpeg-installer/ffmpeg').path;
  } catch {
    return 'ffmpeg';
  }
}
const FFMPEG = ffmpegPath();

const BITEXACT = ['-fflags', '+bitexact', '-flags', '+bitexact', '-map_metadata', '-1', '-threads', '1'];
const X264 = ['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-threads', '1'];

function ffmpeg(args) {
  return new Promise((resolveRun, reject) => {
    const child = spawn(FFMPEG, ['-nostdin', '-hide_banner', '-loglevel', 'error', '-y', ...args], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('error', (err) => reject(new Error(`cannot run ${FFMPEG}: ${err.message}`)));
    child.on('close', (code) =>
      code === 0 ? resolveRun() : reject(new Error(`${FFMPEG} ${args.join(' ')}: ${stderr.trim()}`)),
    );
  });
}

function loadSharp() {
  return require('sharp');
}

/** A 256×256 RGB picture of soft bands: not flat, compresses like a photo would (for JPEG and WebP). */
function bandsRgb(width, height) {
  const out = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      const base = 50 + Math.round((140 * x) / (width - 1));
      const band = Math.round(25 * Math.sin((x + 2 * y) / 11));
      out[i] = base + band;
      out[i + 1] = base;
      out[i + 2] = Math.max(0, base - band);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Text helpers

/** The logical string that a bidi-aware viewer shows as `display` once wrapped in RLO … PDF. */
function reversed(s) {
  return [...s].reverse().join('');
}

/** Filler prose for the big texts: ordinary words, no obfuscation, nothing any detector should flag. */
const FILLER_WORDS =
  'the river runs past the old mill and the garden where we planted beans last spring while the children ' +
  'counted clouds and the baker sold warm bread to everyone waiting at the corner of the market square';
function fillerText(bytes, seed) {
  const words = FILLER_WORDS.split(' ');
  const parts = [];
  let size = 0;
  let a = seed >>> 0;
  while (size < bytes) {
    a = (Math.imul(a, 1103515245) + 12345) >>> 0;
    const w = words[(a >>> 8) % words.length];
    parts.push(w);
    size += w.length + 1;
  }
  return parts.join(' ').slice(0, bytes);
}

// ---------------------------------------------------------------------------------------------------------------
// The cases

/**
 * Limits per case: `wallMs` for the engine's whole verdict, `rssMiB` for the memory the case adds to the warmed
 * engine process (its peak RSS over its RSS when the case starts) plus the peak RSS of the largest process it
 * starts (ffmpeg). Generous against the measured cost (2-core CI machines), tight against what a bomb would take.
 */
const LIMITS = {
  /** Refused from the sniffed head or the size: no decoder runs. */
  refused: { wallMs: 2_000, rssMiB: 64 },
  /** Refused after reading a header (sharp metadata, or one ffmpeg probe). */
  header: { wallMs: 4_000, rssMiB: 96 },
  /** Text read and scanned in full (a few kB). */
  text: { wallMs: 3_000, rssMiB: 96 },
  /** An ordinary small image decoded and classified. */
  image: { wallMs: 8_000, rssMiB: 192 },
  /** A short video or audio probed and (partly) decoded, frames classified, soundtrack heard. */
  video: { wallMs: 15_000, rssMiB: 256 },
};

async function build({ outDir, full, canaryUrl }) {
  rmSync(outDir, { recursive: true, force: true });
  const casesDir = join(outDir, 'cases');
  const outsideDir = join(outDir, 'outside');
  const tmpDir = join(outDir, '.work');
  for (const d of [casesDir, outsideDir, tmpDir]) mkdirSync(d, { recursive: true });
  const sharp = loadSharp();

  /** @type {{id: string, file: string, what: string, expect: object, limits: object}[]} */
  const cases = [];
  const ids = new Set();
  const add = (id, file, what, expect, limits, bytes) => {
    if (ids.has(id)) throw new Error(`duplicate case id ${id}`);
    ids.add(id);
    const path = join(casesDir, file);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, bytes);
    cases.push({ id, file: `cases/${file}`, what, expect, limits: { ...limits } });
  };
  const outside = (name, bytes) => {
    const path = join(outsideDir, name);
    writeFileSync(path, bytes);
    return path;
  };

  // -- Real media made once, then cut, patched and wrapped -------------------------------------------------------
  const tmp = (name) => join(tmpDir, name);
  await Promise.all([
    // 3 s, 160×120, H.264 + AAC, the index (moov) at the end as cameras and ffmpeg write it.
    ffmpeg([
      ...['-f', 'lavfi', '-i', 'testsrc2=s=160x120:r=10', '-f', 'lavfi', '-i', 'sine=f=440:r=16000'],
      ...['-t', '3', ...X264, '-g', '10', '-c:a', 'aac', '-b:a', '32k', ...BITEXACT, tmp('clip.mp4')],
    ]),
    // The same with the index first (faststart), so a truncated copy still states the full length.
    ffmpeg([
      ...['-f', 'lavfi', '-i', 'testsrc2=s=160x120:r=10', '-f', 'lavfi', '-i', 'sine=f=440:r=16000'],
      ...['-t', '3', ...X264, '-g', '10', '-c:a', 'aac', '-b:a', '32k', '-movflags', '+faststart'],
      ...[...BITEXACT, tmp('clip-faststart.mp4')],
    ]),
    // Ten hours of a 16×16 grey picture at one frame per five hours: three frames, a kilobyte, a real 10 h video.
    ffmpeg([
      ...['-f', 'lavfi', '-i', 'color=c=gray:s=16x16:r=1/18000', '-t', '36000', ...X264, ...BITEXACT],
      tmp('ten-hours.mp4'),
    ]),
    // One frame, for the zero-frame video (its sample tables are emptied below).
    ffmpeg([
      ...['-f', 'lavfi', '-i', 'color=c=gray:s=64x48:r=10', '-frames:v', '1', ...X264, ...BITEXACT],
      tmp('one-frame.mp4'),
    ]),
    // 1 s of grey video with 50 silent audio streams.
    ffmpeg([
      ...['-f', 'lavfi', '-i', 'color=c=gray:s=64x48:r=5', '-f', 'lavfi', '-i', 'anullsrc=r=8000:cl=mono'],
      ...['-map', '0:v', ...Array.from({ length: 50 }, () => ['-map', '1:a']).flat()],
      ...['-t', '1', ...X264, '-c:a', 'aac', '-b:a', '16k', ...BITEXACT, tmp('fifty-audio.mp4')],
    ]),
    // An ordinary 2 s clip with a tone: the control video.
    ffmpeg([
      ...['-f', 'lavfi', '-i', 'testsrc2=s=96x64:r=10', '-f', 'lavfi', '-i', 'sine=f=440:r=16000'],
      ...['-t', '2', ...X264, '-c:a', 'aac', '-b:a', '32k', ...BITEXACT, tmp('control.mp4')],
    ]),
    // A one-frame PNG-in-MOV video of 12000×12000 RGB whose frame really inflates to 432 MB (the PNG codec decodes
    // whole frames, whatever the sampler scales them to afterwards). 12000 stays under ffmpeg's own size check.
    (async () => {
      const side = 12_000;
      writeFileSync(
        tmp('frame-12000.png'),
        Buffer.concat([
          PNG_SIGNATURE,
          pngIhdr(side, side, 8, 2),
          pngChunk('IDAT', zlibZeros(side * (1 + side * 3))),
          pngChunk('IEND', Buffer.alloc(0)),
        ]),
      );
      await ffmpeg([
        ...['-f', 'png_pipe', '-framerate', '1', '-i', tmp('frame-12000.png'), '-c:v', 'copy', ...BITEXACT],
        ...['-f', 'mov', tmp('png-12000.mov')],
      ]);
    })(),
    // Someone else's video on the same machine, which a playlist inside an item names.
    ffmpeg([
      ...['-f', 'lavfi', '-i', 'color=c=red:s=160x120:r=10', '-f', 'lavfi', '-i', 'sine=f=440:r=16000'],
      ...[
        '-t',
        '2',
        ...X264,
        '-c:a',
        'mp2',
        ...BITEXACT,
        '-f',
        'mpegts',
        join(outsideDir, 'other-users-video.ts'),
      ],
    ]),
  ]);
  const clip = readFileSync(tmp('clip.mp4'));
  const clipFast = readFileSync(tmp('clip-faststart.mp4'));

  // Ordinary pictures from sharp: the base of the truncated and corrupt ones.
  const picture = bandsRgb(256, 256);
  const raw = { raw: { width: 256, height: 256, channels: 3 } };
  const jpeg = await sharp(picture, raw).jpeg({ quality: 85 }).toBuffer();
  const webp = await sharp(picture, raw).webp({ quality: 80 }).toBuffer();
  const smallPng = gradientPng(64, 64);

  // ==== Decompression bombs ====================================================================================
  add(
    'png-60000x60000-header',
    'bombs/png-60000x60000-header.png',
    'PNG whose IHDR claims 60000×60000 RGB (10.8 GB decoded) over a few bytes of IDAT',
    { error: 'too-large', media: 'image' },
    LIMITS.header,
    Buffer.concat([
      PNG_SIGNATURE,
      pngIhdr(60000, 60000, 8, 2),
      pngChunk('IDAT', zlibZeros(64 * 1024)),
      pngChunk('IEND', Buffer.alloc(0)),
    ]),
  );
  add(
    'png-20000x20000-inflating',
    'bombs/png-20000x20000-inflating.png',
    'PNG of 20000×20000 grey whose IDAT really inflates to 400 MB of scanlines (about 400 kB on disk)',
    { error: 'too-large', media: 'image' },
    LIMITS.header,
    Buffer.concat([
      PNG_SIGNATURE,
      pngIhdr(20000, 20000, 8, 0),
      pngChunk('IDAT', zlibZeros(20000 * 20001)),
      pngChunk('IEND', Buffer.alloc(0)),
    ]),
  );
  {
    // Within the pixel limit but large: decoding is allowed and must stay bounded.
    // Full scale: exactly at the default 100 M pixel limit (10000×10000), the most a single frame may decode.
    const side = full ? 10_000 : 4000;
    add(
      'png-inflating-within-limit',
      `bombs/png-${side}x${side}-within-limit.png`,
      `PNG of ${side}×${side} black that inflates ${Math.round((side * (side + 1)) / MiB)} MB from a few kB: under the pixel limit, decoded`,
      { decision: 'allow', media: 'image' },
      full ? { wallMs: 30_000, rssMiB: 1_024 } : { wallMs: 15_000, rssMiB: 512 },
      Buffer.concat([
        PNG_SIGNATURE,
        pngIhdr(side, side, 8, 0),
        pngChunk('IDAT', zlibZeros(side * (side + 1))),
        pngChunk('IEND', Buffer.alloc(0)),
      ]),
    );
  }
  add(
    'gif-10000-frames',
    'bombs/gif-10000-frames.gif',
    'animated GIF of 10,000 frames of 32×32',
    { decision: 'allow', media: 'image' },
    LIMITS.image,
    animatedGif({ screenW: 32, screenH: 32, frames: 10_000, fw: 32, fh: 32, place: () => [0, 0] }),
  );
  add(
    'gif-10000-frames-2000x2000-canvas',
    'bombs/gif-10000-frames-2000x2000.gif',
    'animated GIF with a 2000×2000 canvas and 10,000 frames of 1×1 each drawn on the last: 4×10^10 pixels in all',
    { decision: 'allow', media: 'image' },
    { wallMs: 10_000, rssMiB: 384 },
    animatedGif({
      screenW: 2_000,
      screenH: 2_000,
      frames: 10_000,
      fw: 1,
      fh: 1,
      place: (i) => [(i * 37) % 2_000, (i * 101) % 2_000],
    }),
  );
  add(
    'zip-bomb-named-png',
    'bombs/zip-bomb.png',
    'ZIP archive named .png whose one entry inflates to 1 GiB of zeros',
    { error: 'unsupported-media', media: 'unknown' },
    LIMITS.refused,
    zipOfZeros('image.png', 1024 * MiB),
  );
  add(
    'png-with-zip-bomb-appended',
    'bombs/png-then-zip-bomb.png',
    'a real 64×64 PNG followed, after IEND, by a ZIP whose entry inflates to 1 GiB (a PNG/ZIP polyglot)',
    { decision: 'allow', media: 'image' },
    LIMITS.image,
    Buffer.concat([smallPng, zipOfZeros('payload.bin', 1024 * MiB)]),
  );
  add(
    'gzip-bomb-named-txt',
    'bombs/gzip-bomb.txt',
    'gzip stream named .txt that inflates to 1 GiB of zeros',
    { error: 'unsupported-media', media: 'unknown' },
    LIMITS.refused,
    gzipOfZeros(1024 * MiB),
  );
  {
    // A JPEG whose frame header (SOF0) is rewritten to claim 65500×65500.
    const huge = Buffer.from(jpeg);
    for (let i = 2; i + 9 < huge.length; i++) {
      if (huge[i] === 0xff && huge[i + 1] === 0xc0) {
        huge.writeUInt16BE(65500, i + 5);
        huge.writeUInt16BE(65500, i + 7);
        break;
      }
    }
    add(
      'jpeg-65500x65500-header',
      'bombs/jpeg-65500x65500-header.jpg',
      'JPEG whose SOF0 frame header claims 65500×65500 over the data of a 256×256 picture',
      { error: 'too-large', media: 'image' },
      LIMITS.header,
      huge,
    );
  }
  {
    // A lossless WebP whose VP8L header claims 16383×16383 (the format's largest), over a few bytes of data.
    const dims = 16382 | (16382 << 14); // width-1 and height-1, 14 bits each; then alpha 0, version 0
    const vp8l = Buffer.concat([u8(0x2f), u32le(dims), noise(27, 82)]);
    const body = Buffer.concat([Buffer.from('WEBPVP8L', 'latin1'), u32le(vp8l.length), vp8l]);
    add(
      'webp-16383x16383-header',
      'bombs/webp-16383x16383-header.webp',
      'lossless WebP whose VP8L header claims 16383×16383 (268 M pixels) over 27 bytes',
      { error: 'too-large', media: 'image' },
      LIMITS.header,
      Buffer.concat([Buffer.from('RIFF', 'latin1'), u32le(body.length), body]),
    );
  }
  {
    // An animated WebP: an 8000×8000 canvas (under the per-frame pixel limit) and 8 frames of 1×1 in it. Decoding
    // the 8 sampled frames would hold 8 × 64 M pixels at once.
    const one = await sharp({
      create: { width: 1, height: 1, channels: 3, background: { r: 200, g: 30, b: 30 } },
    })
      .webp({ lossless: true })
      .toBuffer();
    const frameData = one.subarray(12); // the VP8L chunk, padded
    const u24 = (v) => u8(v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff);
    const chunk = (type, data) =>
      Buffer.concat([
        Buffer.from(type, 'latin1'),
        u32le(data.length),
        data,
        data.length % 2 ? u8(0) : Buffer.alloc(0),
      ]);
    const side = 8000;
    const frames = [];
    for (let i = 0; i < 8; i++) {
      frames.push(
        chunk(
          'ANMF',
          Buffer.concat([u24(i * 100), u24(i * 100), u24(0), u24(0), u24(100), u8(0x02), frameData]),
        ),
      );
    }
    const body = Buffer.concat([
      Buffer.from('WEBP', 'latin1'),
      chunk('VP8X', Buffer.concat([u8(0x02, 0, 0, 0), u24(side - 1), u24(side - 1)])),
      chunk('ANIM', Buffer.concat([u32le(0xffffffff), u16le(0)])),
      ...frames,
    ]);
    add(
      'webp-animated-8000x8000-canvas',
      'bombs/webp-animated-8000x8000.webp',
      'animated WebP with an 8000×8000 canvas and 8 frames of 1×1: 512 M pixels if every sampled frame is decoded',
      { error: 'too-large', media: 'image' },
      LIMITS.header,
      Buffer.concat([Buffer.from('RIFF', 'latin1'), u32le(body.length), body]),
    );
  }
  {
    // A little-endian TIFF of 100000×100000 8-bit grey, one strip, which is 16 bytes long.
    const entries = [
      [256, 4, 1, 100_000], // ImageWidth
      [257, 4, 1, 100_000], // ImageLength
      [258, 3, 1, 8], // BitsPerSample
      [259, 3, 1, 1], // Compression: none
      [262, 3, 1, 1], // Photometric: black is zero
      [273, 4, 1, 8 + 2 + 9 * 12 + 4], // StripOffsets
      [277, 3, 1, 1], // SamplesPerPixel
      [278, 4, 1, 100_000], // RowsPerStrip
      [279, 4, 1, 16], // StripByteCounts
    ];
    const ifd = [u16le(entries.length)];
    for (const [tag, type, count, value] of entries) {
      ifd.push(
        u16le(tag),
        u16le(type),
        u32le(count),
        type === 3 ? Buffer.concat([u16le(value), u16le(0)]) : u32le(value),
      );
    }
    ifd.push(u32le(0));
    add(
      'tiff-100000x100000-header',
      'bombs/tiff-100000x100000.tif',
      'TIFF whose IFD claims 100000×100000 grey over a 16-byte strip',
      { error: 'too-large', media: 'image' },
      LIMITS.header,
      Buffer.concat([Buffer.from('II', 'latin1'), u16le(42), u32le(8), ...ifd, Buffer.alloc(16)]),
    );
  }

  // ==== Truncated and corrupt media =============================================================================
  add(
    'jpeg-truncated',
    'corrupt/jpeg-truncated.jpg',
    'the first half of a 256×256 JPEG',
    { error: 'corrupt-media', media: 'image' },
    LIMITS.header,
    jpeg.subarray(0, Math.floor(jpeg.length / 2)),
  );
  {
    // Overwrite a stretch of the entropy-coded data (after the SOS header) with noise.
    const damaged = Buffer.from(jpeg);
    const sos = damaged.indexOf(Buffer.from([0xff, 0xda]));
    const from = sos + 200;
    noise(600, 77).copy(damaged, from);
    add(
      'jpeg-corrupt-scan',
      'corrupt/jpeg-corrupt-scan.jpg',
      // libjpeg decodes past damaged scan data (a warning, not an error), as browsers do: the verdict judges the
      // same damaged picture a viewer sees.
      'a 256×256 JPEG with 600 bytes of its entropy-coded scan replaced by noise: decodes, damaged, as viewers show it',
      { decision: 'allow', media: 'image' },
      LIMITS.image,
      damaged,
    );
  }
  add(
    'jpeg-header-only',
    'corrupt/jpeg-header-only.jpg',
    'a JPEG start-of-image and JFIF header, then nothing',
    { error: 'corrupt-media', media: 'image' },
    LIMITS.header,
    Buffer.concat([
      u8(0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10),
      Buffer.from('JFIF\0', 'latin1'),
      u8(1, 1, 0, 0, 1, 0, 1, 0, 0),
    ]),
  );
  {
    const big = gradientPng(200, 200);
    add(
      'png-truncated',
      'corrupt/png-truncated.png',
      'a 200×200 PNG cut in the middle of its IDAT',
      { error: 'corrupt-media', media: 'image' },
      LIMITS.header,
      big.subarray(0, Math.floor(big.length * 0.6)),
    );
    const badCrc = Buffer.from(big);
    const idat = badCrc.indexOf(Buffer.from('IDAT', 'latin1'));
    const len = badCrc.readUInt32BE(idat - 4);
    badCrc.writeUInt32BE((badCrc.readUInt32BE(idat + 4 + len) ^ 0xdeadbeef) >>> 0, idat + 4 + len);
    add(
      'png-bad-crc',
      'corrupt/png-bad-crc.png',
      'a 200×200 PNG whose IDAT checksum is wrong',
      { error: 'corrupt-media', media: 'image' },
      LIMITS.header,
      badCrc,
    );
    const badData = Buffer.from(big);
    noise(400, 78).copy(badData, idat + 4 + 40);
    // keep the CRC right, so only the compressed data is at fault
    badData.writeUInt32BE(crc32(badData.subarray(idat, idat + 4 + len)), idat + 4 + len);
    add(
      'png-corrupt-deflate',
      'corrupt/png-corrupt-deflate.png',
      'a 200×200 PNG whose IDAT holds noise with a correct checksum (an invalid deflate stream)',
      { error: 'corrupt-media', media: 'image' },
      LIMITS.header,
      badData,
    );
  }
  add(
    'webp-truncated',
    'corrupt/webp-truncated.webp',
    'the first half of a 256×256 WebP (its RIFF size still says whole)',
    { error: 'corrupt-media', media: 'image' },
    LIMITS.header,
    webp.subarray(0, Math.floor(webp.length / 2)),
  );
  {
    const damaged = Buffer.from(webp);
    noise(damaged.length - 40, 79).copy(damaged, 40);
    add(
      'webp-corrupt',
      'corrupt/webp-corrupt.webp',
      'a WebP whose VP8 bitstream after the first bytes is noise',
      { error: 'corrupt-media', media: 'image' },
      LIMITS.header,
      damaged,
    );
  }
  add(
    'gif-truncated',
    'corrupt/gif-truncated.gif',
    'an animated GIF cut inside its second frame',
    { error: 'corrupt-media', media: 'image' },
    LIMITS.header,
    animatedGif({ screenW: 64, screenH: 64, frames: 3, fw: 64, fh: 64, place: () => [0, 0] }).subarray(
      0,
      120,
    ),
  );
  add(
    'mp4-truncated',
    'corrupt/mp4-truncated.mp4',
    'the first 30% of a 3 s MP4 whose index (moov) is at the end',
    { error: 'corrupt-media', media: 'video' },
    LIMITS.header,
    clip.subarray(0, Math.floor(clip.length * 0.3)),
  );
  add(
    'mp4-truncated-faststart',
    'corrupt/mp4-truncated-faststart.mp4',
    'the first 40% of a 3 s MP4 whose index is first: the header states 3 s, the data stops early',
    { error: 'corrupt-media', media: 'video' },
    LIMITS.video,
    clipFast.subarray(0, Math.floor(clipFast.length * 0.4)),
  );
  {
    // Keep the index, replace every sample's bytes with noise: the container is fine, no frame decodes.
    const mdat = findBoxes(clip, 'mdat')[0];
    const noisy = Buffer.from(clip);
    noise(mdat.end - mdat.body, 83).copy(noisy, mdat.body);
    add(
      'mp4-noise-samples',
      'corrupt/mp4-noise-samples.mp4',
      'a 3 s MP4 whose index is intact but whose every sample (video and audio) is noise',
      { error: 'corrupt-media', media: 'video' },
      LIMITS.video,
      noisy,
    );
  }
  add(
    'mp4-garbage-after-ftyp',
    'corrupt/mp4-garbage.mp4',
    'an MP4 ftyp box followed by 64 kB of noise',
    { error: 'corrupt-media', media: 'video' },
    LIMITS.header,
    Buffer.concat([clip.subarray(0, clip.readUInt32BE(0)), noise(64 * 1024, 80)]),
  );

  // ==== Polyglots ==============================================================================================
  {
    const html = Buffer.from(
      '<html><body><script>document.write("polyglot")</script><p>jpeg and html at once</p></body></html>',
      'latin1',
    );
    // A COM segment right after SOI carries the HTML; more HTML follows the end-of-image marker.
    const com = Buffer.concat([u8(0xff, 0xfe), u16be(html.length + 2), html]);
    add(
      'polyglot-jpeg-html',
      'polyglot/jpeg-html.jpg',
      'a JPEG that is also an HTML page (markup in a COM segment and after EOI)',
      { decision: 'allow', media: 'image' },
      LIMITS.image,
      Buffer.concat([jpeg.subarray(0, 2), com, jpeg.subarray(2), Buffer.from('\n<!-- -->', 'latin1'), html]),
    );
    add(
      'polyglot-png-html',
      'polyglot/png-html.png',
      'a PNG with an HTML page in a tEXt chunk and after IEND',
      { decision: 'allow', media: 'image' },
      LIMITS.image,
      Buffer.concat([
        gradientPng(64, 64, [pngChunk('tEXt', Buffer.concat([Buffer.from('html\0'), html]))]),
        html,
      ]),
    );
    add(
      'polyglot-gif-js',
      'polyglot/gif-js.gif',
      'a "GIF89a/*" header that is also JavaScript (the classic GIF/JS polyglot), not a decodable picture',
      { error: 'corrupt-media', media: 'image' },
      LIMITS.header,
      Buffer.from('GIF89a/*\x00\x00\x00\x00*/=1;alert(document.domain);//\x3b', 'latin1'),
    );
  }

  // ==== SVG with external entities =============================================================================
  {
    const secret = outside('secret-threat.txt', `${THREAT}\n`);
    const svg = (doctype, body) =>
      `<?xml version="1.0" encoding="UTF-8"?>\n${doctype}\n` +
      `<svg xmlns="http://www.w3.org/2000/svg" width="200" height="50"><text x="10" y="30">${body}</text></svg>\n`;
    add(
      'svg-xxe-local-file',
      'svg/xxe-local-file.svg',
      'SVG whose external entity pulls in a file outside the input that holds a threat: never expanded',
      { decision: 'allow', media: 'text' },
      LIMITS.text,
      svg(`<!DOCTYPE svg [ <!ENTITY xxe SYSTEM "file://${secret}"> ]>`, 'hello &xxe;'),
    );
    add(
      'svg-xxe-remote',
      'svg/xxe-remote.svg',
      'SVG whose external entity and stylesheet point at a URL (the connection canary)',
      { decision: 'allow', media: 'text' },
      LIMITS.text,
      svg(
        `<!DOCTYPE svg [ <!ENTITY xxe SYSTEM "${canaryUrl}/xxe.txt"> ]>\n<?xml-stylesheet href="${canaryUrl}/s.css"?>`,
        `hello &xxe;<image href="${canaryUrl}/pixel.png" width="1" height="1"/>`,
      ),
    );
    const laughs = ['<!ENTITY lol0 "lol">'];
    for (let i = 1; i <= 9; i++) laughs.push(`<!ENTITY lol${i} "${`&lol${i - 1};`.repeat(10)}">`);
    add(
      'svg-billion-laughs',
      'svg/billion-laughs.svg',
      'SVG with nested internal entities that expand to 3 GB ("billion laughs"): never expanded',
      { decision: 'allow', media: 'text' },
      LIMITS.text,
      svg(`<!DOCTYPE svg [ ${laughs.join(' ')} ]>`, '&lol9;'),
    );
  }

  // ==== Playlists pointing elsewhere ===========================================================================
  {
    const otherVideo = join(outsideDir, 'other-users-video.ts');
    const hls = (segments) =>
      [
        '#EXTM3U',
        '#EXT-X-VERSION:3',
        '#EXT-X-TARGETDURATION:2',
        '#EXT-X-MEDIA-SEQUENCE:0',
        ...segments.flatMap((s) => ['#EXTINF:2,', s]),
        '#EXT-X-ENDLIST',
        '',
      ].join('\n');
    const id3 = (body) =>
      Buffer.concat([u8(0x49, 0x44, 0x33, 3, 0, 0, 0, 0, 0, 0), Buffer.from(body, 'utf8')]);
    add(
      'hls-remote-segments',
      'playlist/hls-remote.m3u8',
      'HLS playlist whose segments are URLs (the connection canary)',
      { error: 'unsupported-media', media: 'video' },
      LIMITS.refused,
      hls([`${canaryUrl}/seg0.ts`, `${canaryUrl}/seg1.ts`]),
    );
    add(
      'hls-local-outside',
      'playlist/hls-local.m3u8',
      'HLS playlist naming a video outside the input, by absolute path and by file: URL',
      { error: 'unsupported-media', media: 'video' },
      LIMITS.refused,
      hls([otherVideo, `file://${otherVideo}`]),
    );
    add(
      'hls-named-mp4-with-bom',
      'playlist/hls-bom.mp4',
      'HLS playlist behind a UTF-8 byte-order mark, named .mp4',
      { error: 'unsupported-media', media: 'video' },
      LIMITS.refused,
      `\ufeff${hls([`${canaryUrl}/seg0.ts`])}`,
    );
    add(
      'hls-behind-id3-remote',
      'playlist/hls-behind-id3-remote.mp3',
      'HLS playlist behind an ID3 tag (sniffed as MP3; ffmpeg skips the tag and sees HLS) with URL segments',
      { error: 'unsupported-media', media: 'audio' },
      LIMITS.header,
      id3(hls([`${canaryUrl}/seg0.ts`])),
    );
    add(
      'hls-behind-id3-local',
      'playlist/hls-behind-id3-local.mp3',
      'HLS playlist behind an ID3 tag naming a video outside the input',
      { error: 'unsupported-media', media: 'audio' },
      LIMITS.header,
      id3(hls([otherVideo])),
    );
    add(
      'ffconcat-behind-id3-local',
      'playlist/ffconcat-behind-id3.mp3',
      'ffconcat list behind an ID3 tag naming a video outside the input',
      { error: 'unsupported-media', media: 'audio' },
      LIMITS.header,
      id3(`ffconcat version 1.0\nfile '${otherVideo}'\nfile '${canaryUrl}/seg0.ts'\n`),
    );
    add(
      'ffconcat-as-text',
      'playlist/ffconcat.txt',
      'a plain ffconcat list naming a local video and a URL: it is text, moderated as text',
      { decision: 'allow', media: 'text' },
      LIMITS.text,
      `ffconcat version 1.0\nfile '${otherVideo}'\nfile '${canaryUrl}/seg0.ts'\n`,
    );
  }

  // ==== Degenerate video and audio =============================================================================
  add(
    'video-zero-frames',
    'video/zero-frames.mp4',
    'an MP4 with an H.264 video track (codec and size stated) that holds no sample at all',
    { error: 'corrupt-media', media: 'video' },
    LIMITS.video,
    emptySampleTables(readFileSync(tmp('one-frame.mp4'))),
  );
  add(
    'video-ten-hours',
    'video/ten-hours.mp4',
    'a real 10-hour video (three frames of 16×16 five hours apart), 1.5 kB',
    { error: 'too-long', media: 'video' },
    LIMITS.header,
    readFileSync(tmp('ten-hours.mp4')),
  );
  add(
    'video-header-claims-ten-hours',
    'video/header-claims-ten-hours.mp4',
    'a 3 s clip whose mvhd, tkhd and mdhd durations are rewritten to 10 hours',
    { error: 'too-long', media: 'video' },
    LIMITS.header,
    patchDurations(clip, 36000),
  );
  add(
    'video-png-12000x12000',
    'video/png-frame-12000x12000.mov',
    'a 1-frame QuickTime video in the PNG codec, 12000×12000 RGB, whose frame inflates to 432 MB (420 kB on disk)',
    { error: 'too-large', media: 'video' },
    LIMITS.header,
    readFileSync(tmp('png-12000.mov')),
  );
  add(
    'video-fifty-audio-streams',
    'video/fifty-audio-streams.mp4',
    'a 1 s video with 50 silent AAC audio streams',
    { error: 'too-many-streams', media: 'video' },
    LIMITS.header,
    readFileSync(tmp('fifty-audio.mp4')),
  );
  {
    const riffBody = Buffer.concat([
      Buffer.from('WAVEfmt ', 'latin1'),
      u32le(16),
      u16le(1), // PCM
      u16le(1), // mono
      u32le(8000),
      u32le(8000),
      u16le(1),
      u16le(8),
      Buffer.from('data', 'latin1'),
      u32le(0xfffffff0), // about 4.29 G samples: 149 hours at 8 kHz
      Buffer.alloc(8000, 0x80), // one real second of silence
    ]);
    add(
      'wav-header-claims-149-hours',
      'audio/wav-claims-149-hours.wav',
      // ffmpeg sizes a WAV's data by the file when the header claims more than it holds: one real second, moderated.
      'a WAV whose data chunk claims 4.29 GB (149 hours at 8 kHz) over one real second of silence',
      { decision: 'allow', media: 'audio' },
      LIMITS.video,
      Buffer.concat([Buffer.from('RIFF', 'latin1'), u32le(0xfffffff8), riffBody]),
    );
  }
  add(
    'mp3-id3-then-noise',
    'audio/id3-then-noise.mp3',
    'an ID3v2 tag followed by 64 kB of noise: no MPEG audio frame',
    { error: ['corrupt-media', 'unsupported-media'], media: 'audio' },
    LIMITS.header,
    Buffer.concat([u8(0x49, 0x44, 0x33, 3, 0, 0, 0, 0, 0, 0), noise(64 * 1024, 81)]),
  );
  add(
    'mp3-id3-size-past-end',
    'audio/id3-size-past-end.mp3',
    'an ID3v2 tag whose size field claims 256 MB in a 1 kB file',
    { error: ['corrupt-media', 'unsupported-media'], media: 'audio' },
    LIMITS.header,
    Buffer.concat([u8(0x49, 0x44, 0x33, 3, 0, 0, 0x7f, 0x7f, 0x7f, 0x7f), Buffer.alloc(1014, 0x20)]),
  );

  // ==== Hostile text ===========================================================================================
  add(
    'text-invalid-utf8',
    'text/invalid-utf8.txt',
    'the threat with stray, overlong, surrogate and cut UTF-8 sequences between its words',
    { decision: 'block', media: 'text', categories: ['violence'] },
    LIMITS.text,
    Buffer.concat([
      u8(0xc3, 0x28, 0xfd),
      Buffer.from('hey. I '),
      u8(0xc0, 0xaf),
      Buffer.from(' will kill you '),
      u8(0xed, 0xa0, 0x80),
      Buffer.from(' tonight '),
      u8(0x80, 0x80),
      Buffer.from(' ok '),
      u8(0xe2, 0x82),
    ]),
  );
  add(
    'text-utf16-odd-length',
    'text/utf16le-odd-length.txt',
    'UTF-16LE (with BOM) holding the threat, a lone surrogate and a stray last byte',
    { decision: 'block', media: 'text', categories: ['violence'] },
    LIMITS.text,
    Buffer.concat([u8(0xff, 0xfe), Buffer.from(`${THREAT} \ud800 now`, 'utf16le'), u8(0x41)]),
  );
  add(
    'text-100mb',
    'text/100mb.txt',
    '100 MiB of text: over the 16 MiB text limit, refused by size after one hashing pass',
    { error: 'too-large', media: 'text' },
    { wallMs: full ? 6_000 : 6_000, rssMiB: 64 },
    Buffer.alloc(100 * MiB, 'lorem ipsum dolor sit amet '),
  );
  add(
    'text-one-byte-over-limit',
    'text/one-byte-over-limit.txt',
    'text of exactly 16 MiB + 1 byte, the threat at the start: too-large, not scanned in part',
    { error: 'too-large', media: 'text' },
    { wallMs: 3_000, rssMiB: 64 },
    Buffer.concat([
      Buffer.from(`${THREAT}. `),
      Buffer.alloc(MAX_TEXT_BYTES + 1 - THREAT.length - 2, 'lorem ipsum '),
    ]),
  );
  {
    const size = full ? MAX_TEXT_BYTES - 64 : 2 * MiB;
    const body = fillerText(size - THREAT.length - 2, 7);
    add(
      'text-giant-line',
      'text/giant-line.txt',
      `one line of ${Math.round(size / MiB)} MiB without a newline, the threat at its very end`,
      { decision: 'block', media: 'text', categories: ['violence'] },
      full ? { wallMs: 60_000, rssMiB: 1_536 } : { wallMs: 15_000, rssMiB: 512 },
      `${body}. ${THREAT}`,
    );
  }
  {
    const size = full ? 8 * MiB : 1 * MiB;
    add(
      'text-giant-token',
      'text/giant-token.txt',
      `a ${Math.round(size / MiB)} MiB "word" without any space or newline, then the threat`,
      { decision: 'block', media: 'text', categories: ['violence'] },
      full ? { wallMs: 30_000, rssMiB: 1_024 } : { wallMs: 10_000, rssMiB: 384 },
      `${'ab'.repeat(size / 2)} ${THREAT}`,
    );
  }
  {
    // Every letter of the threat under 200 combining marks, then one letter under a pile of marks (Zalgo text).
    const marks = (n, seed) => {
      const units = new Uint16Array(n);
      let a = seed;
      for (let i = 0; i < n; i++) {
        a = (Math.imul(a, 1103515245) + 12345) >>> 0;
        units[i] = 0x300 + ((a >>> 8) % 0x70);
      }
      const parts = [];
      for (let p = 0; p < n; p += 8192) parts.push(String.fromCharCode(...units.subarray(p, p + 8192)));
      return parts.join('');
    };
    const zalgo = [...THREAT].map((c, i) => (c === ' ' ? c : c + marks(200, i + 1))).join('');
    const pile = full ? 4 * 1024 * 1024 : 512 * 1024;
    add(
      'text-zalgo',
      'text/zalgo.txt',
      `the threat with 200 combining marks on every letter, then one letter carrying ${pile / 1024} Ki marks`,
      { decision: 'block', media: 'text', categories: ['violence'] },
      full ? { wallMs: 20_000, rssMiB: 768 } : { wallMs: 10_000, rssMiB: 384 },
      `${zalgo} and then a${marks(pile, 99)} end`,
    );
  }
  add(
    'text-nul-prefixed',
    'text/nul-prefixed.txt',
    'the threat after a NUL byte: binary by its head, so an explicit unsupported-media (never a silent pass)',
    { error: 'unsupported-media', media: 'unknown' },
    LIMITS.refused,
    Buffer.concat([u8(0), Buffer.from(THREAT)]),
  );
  // Bidi overrides: what a reader sees is the threat; the stored order is reversed.
  add(
    'rtl-override-word',
    'evasion/rtl-override-word.txt',
    'RLO…PDF around "llik", which a bidi-aware viewer shows as "kill": "I will kill you"',
    { decision: 'block', media: 'text', categories: ['violence'] },
    LIMITS.text,
    `I will \u202e${reversed('kill')}\u202c you`,
  );
  add(
    'rtl-override-line',
    'evasion/rtl-override-line.txt',
    'a whole line stored backwards after an RLO with no closing PDF',
    { decision: 'block', media: 'text', categories: ['violence'] },
    LIMITS.text,
    `see below\n\u202e${reversed(`${THREAT} tonight`)}\nbye`,
  );
  add(
    'rtl-override-nested',
    'evasion/rtl-override-nested.txt',
    'an RLO run holding an LRO run, with isolates and marks: the display order is still the threat',
    { decision: 'block', media: 'text', categories: ['violence'] },
    LIMITS.text,
    // RLO [ "uoy " LRO[ "kill" ] " lliw I" ] PDF shows "I will kill you".
    `\u2067ok\u2069 \u202e${reversed(' you')}\u202dkill\u202c${reversed('I will ')}\u202c\u200f.`,
  );
  add(
    'rtl-override-with-homoglyphs',
    'evasion/rtl-override-homoglyphs.txt',
    'an RLO run of the threat stored backwards, spelt with Cyrillic letters and zero-width spaces',
    { decision: 'block', media: 'text', categories: ['violence'] },
    LIMITS.text,
    `\u202e${reversed('I w\u0456ll k\u200b\u0456ll y\u043eu')}\u202c`,
  );
  add(
    'homoglyph-cyrillic-greek',
    'evasion/homoglyph-cyrillic-greek.txt',
    'the threat with Cyrillic і, о and Greek ι, ο in place of Latin letters',
    { decision: 'block', media: 'text', categories: ['violence'] },
    LIMITS.text,
    'I w\u0456ll k\u03b9ll y\u043e\u03c5',
  );
  add(
    'homoglyph-compatibility',
    'evasion/homoglyph-compatibility.txt',
    'the threat in fullwidth, mathematical bold, circled and small-capital letters',
    { decision: 'block', media: 'text', categories: ['violence'] },
    LIMITS.text,
    'I \uff57\uff49\uff4c\uff4c \u{1d424}\u{1d422}\u{1d425}\u{1d425} \u24e8\u24de\u24e4 \u1d0b\u026a\u029f\u029f',
  );
  add(
    'homoglyph-invisible-and-marks',
    'evasion/homoglyph-invisible-marks.txt',
    'the threat with zero-width joiners, soft hyphens, variation selectors and combining marks inside the words',
    { decision: 'block', media: 'text', categories: ['violence'] },
    LIMITS.text,
    'I w\u200di\u00adl\ufe0fl k\u0336i\u0337l\u200cl\u0335 y\u2060o\u034fu',
  );
  add(
    'homoglyph-other-scripts',
    'evasion/homoglyph-other-scripts.txt',
    'the threat with Armenian օ and Cherokee Ꮶ Ꭵ Ꮮ letters that look Latin',
    { decision: 'block', media: 'text', categories: ['violence'] },
    LIMITS.text,
    'I will \u13e6\u13a5\u13de\u13de y\u0585u',
  );

  // Control texts: the same engine, the threat in plain words and ordinary prose (guards against a corpus whose
  // evasion cases pass only because everything is blocked, or nothing is).
  add(
    'control-plain-threat',
    'control/plain-threat.txt',
    'control: the threat in plain ASCII',
    { decision: 'block', media: 'text', categories: ['violence'] },
    LIMITS.text,
    THREAT,
  );
  add(
    'control-plain-prose',
    'control/plain-prose.txt',
    'control: ordinary prose, including Hebrew and Arabic with their own bidi marks',
    { decision: 'allow', media: 'text' },
    LIMITS.text,
    `${fillerText(400, 3)}.\nשלום \u202bעולם\u202c, مرحبا \u2067بالعالم\u2069.\n`,
  );
  add(
    'control-plain-clip',
    'control/plain-clip.mp4',
    'control: an ordinary 2 s clip (a test pattern and a tone)',
    { decision: 'allow', media: 'video' },
    LIMITS.video,
    readFileSync(tmp('control.mp4')),
  );
  add(
    'control-plain-png',
    'control/plain.png',
    'control: an ordinary 64×64 PNG',
    { decision: 'allow', media: 'image' },
    LIMITS.image,
    smallPng,
  );

  rmSync(tmpDir, { recursive: true, force: true });
  const manifest = {
    description:
      "Winnow's hostile-input corpus, generated by scripts/make-hostile-corpus.mjs. Scan cases/; never read outside/.",
    scale: full ? 'full' : 'small',
    input: 'cases',
    outside: 'outside',
    canaryUrl,
    limits:
      'wallMs: the most milliseconds the verdict may take; rssMiB: the most memory the case may add to the warmed ' +
      'engine process (peak RSS over its RSS at the start of the case) plus the peak RSS of the largest process it starts',
    cases,
  };
  writeFileSync(join(outDir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

const args = parseArgs(process.argv.slice(2));
const started = Date.now();
build(args).then(
  (m) => {
    process.stdout.write(
      `make-hostile-corpus: ${m.cases.length} cases (${m.scale}) in ${args.outDir} (${Date.now() - started} ms)\n`,
    );
  },
  (err) => {
    process.stderr.write(`make-hostile-corpus: ${err.stack || err.message}\n`);
    process.exit(1);
  },
);
