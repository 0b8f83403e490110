#!/usr/bin/env node
// Generates the sample corpus under examples/ (text, images, audio, video) plus
// examples/expected.json and examples/README.md.
//
//   node scripts/make-examples.mjs        (or: npm run examples)
//
// Needs: sharp (devDependency), ffmpeg and flite on PATH (or FFMPEG / FLITE env vars).
// Sample texts come from scripts/examples/texts.mjs (or texts.json); set
// WINNOW_EXAMPLE_TEXTS=/path/to/texts.{mjs,json} to use another file.
//
// Output is deterministic on a given machine: fixed seeds, no timestamps, metadata
// stripped, ffmpeg in bitexact mode, single-threaded encoders.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, extname, isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(ROOT, 'examples');
const FFMPEG = process.env.FFMPEG || 'ffmpeg';
const FLITE = process.env.FLITE || 'flite';
const MAX_TOTAL_BYTES = 2 * 1024 * 1024;
const TARGET_TOTAL_BYTES = 600 * 1024;
const MAX_IMAGE_BYTES = 60 * 1024;
const FONT = 'DejaVu Sans';

function fail(message) {
  console.error(`make-examples: ${message}`);
  process.exit(1);
}

function warn(message) {
  console.warn(`make-examples: warning: ${message}`);
}

// ---------------------------------------------------------------------------
// Tools

function run(cmd, args, what) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  if (r.error) fail(`${what}: could not run ${cmd}: ${r.error.message}`);
  if (r.status !== 0) fail(`${what}: ${cmd} exited with ${r.status}\n${(r.stderr || r.stdout || '').trim()}`);
  return r.stdout;
}

function checkTools() {
  const ff = spawnSync(FFMPEG, ['-hide_banner', '-encoders'], {
    encoding: 'utf8',
    maxBuffer: 16 * 1024 * 1024,
  });
  if (ff.error || ff.status !== 0) {
    fail(
      `ffmpeg not found or not working (tried "${FFMPEG}"). Install it (Debian/Ubuntu: apt-get install ffmpeg; ` +
        'macOS: brew install ffmpeg) or set FFMPEG=/path/to/ffmpeg.',
    );
  }
  const encoders = new Set();
  for (const line of ff.stdout.split('\n')) {
    const m = /^\s[VAS.][F.][S.][X.][B.][D.]\s+(\S+)/.exec(line);
    if (m) encoders.add(m[1]);
  }
  const lavfi = spawnSync(FFMPEG, ['-hide_banner', '-h', 'filter=testsrc'], { encoding: 'utf8' });
  if (lavfi.status !== 0 || !/testsrc/.test(lavfi.stdout)) fail('this ffmpeg lacks the lavfi testsrc filter');

  const fl = spawnSync(FLITE, ['-lv'], { encoding: 'utf8' });
  if (fl.error) {
    fail(
      `flite not found (tried "${FLITE}"). Install it (Debian/Ubuntu: apt-get install flite; macOS: brew install flite) ` +
        'or set FLITE=/path/to/flite.',
    );
  }
  const voices = `${fl.stdout}${fl.stderr}`.replace(/^.*:/s, '').trim().split(/\s+/);
  let voice = 'rms';
  if (!voices.includes(voice)) {
    voice = ['slt', 'kal16', 'awb', 'kal'].find((v) => voices.includes(v));
    if (!voice) fail(`flite has no usable voice (found: ${voices.join(' ') || 'none'})`);
    warn(`flite voice "rms" not available, using "${voice}" (output will differ from the reference corpus)`);
  }
  return { encoders, voice };
}

let sharp;
async function loadSharp() {
  try {
    sharp = (await import('sharp')).default;
  } catch (e) {
    fail(`cannot load sharp (run npm install; it is a devDependency): ${e.message}`);
  }
  sharp.cache(false);
  sharp.concurrency(1);
}

// ---------------------------------------------------------------------------
// Texts module

async function loadTexts() {
  const override = process.env.WINNOW_EXAMPLE_TEXTS;
  let file;
  if (override) {
    file = isAbsolute(override) ? override : resolve(process.cwd(), override);
    if (!existsSync(file)) fail(`WINNOW_EXAMPLE_TEXTS points to a missing file: ${file}`);
  } else {
    file = ['texts.mjs', 'texts.json']
      .map((f) => join(ROOT, 'scripts', 'examples', f))
      .find((f) => existsSync(f));
    if (!file) {
      fail(
        'sample texts module not found: expected scripts/examples/texts.mjs (exporting [{ name, content, expect }]) ' +
          'or scripts/examples/texts.json. Set WINNOW_EXAMPLE_TEXTS=/path/to/file to use another one.',
      );
    }
  }
  let texts;
  try {
    if (file.endsWith('.json')) {
      texts = JSON.parse(readFileSync(file, 'utf8'));
    } else {
      const mod = await import(pathToFileURL(file).href);
      texts = mod.default ?? mod.texts;
    }
  } catch (e) {
    fail(`cannot load sample texts from ${file}: ${e.message}`);
  }
  const where = relative(ROOT, file) || file;
  if (!Array.isArray(texts))
    fail(`${where} must export an array (default export or "texts") of { name, content, expect }`);
  const names = new Set();
  return texts.map((t, i) => {
    const at = `${where}[${i}]`;
    if (!t || typeof t !== 'object') fail(`${at} is not an object`);
    if (typeof t.name !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(t.name)) {
      fail(
        `${at}.name must be a plain file name (letters, digits, ".", "_", "-"), got ${JSON.stringify(t.name)}`,
      );
    }
    const name = extname(t.name) ? t.name : `${t.name}.txt`;
    if (names.has(name) || name === 'invalid-utf8.txt') fail(`${at}: duplicate text name "${name}"`);
    names.add(name);
    let bytes;
    if (typeof t.content === 'string') bytes = Buffer.from(t.content, 'utf8');
    else if (t.content instanceof Uint8Array) bytes = Buffer.from(t.content);
    else fail(`${at}.content must be a string`);
    if (!Array.isArray(t.expect) || !t.expect.every((c) => typeof c === 'string')) {
      fail(`${at}.expect must be an array of category ids`);
    }
    return { name, bytes, expect: [...new Set(t.expect)].sort(), description: t.description ?? t.note };
  });
}

async function knownCategories() {
  const file = join(ROOT, 'policies', 'default.yaml');
  if (!existsSync(file)) return null;
  try {
    const { parse } = await import('yaml');
    const policy = parse(readFileSync(file, 'utf8'));
    return new Set((policy.categories ?? []).map((c) => c.id));
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------
// Output bookkeeping

const written = []; // { path, media, expect, purpose, bytes }

function record(path, media, purpose, expect = []) {
  const bytes = statSync(join(OUT, path)).size;
  written.push({ path, media, expect, purpose, bytes });
}

function writeOut(path, data) {
  const full = join(OUT, path);
  mkdirSync(dirname(full), { recursive: true });
  writeFileSync(full, data);
}

// ---------------------------------------------------------------------------
// Text

async function makeTexts(texts, categories) {
  for (const t of texts) {
    if (categories) {
      const unknown = t.expect.filter((c) => !categories.has(c));
      if (unknown.length)
        warn(`text/${t.name}: expect has categories not in policies/default.yaml: ${unknown.join(', ')}`);
    }
    writeOut(`text/${t.name}`, t.bytes);
    const purpose =
      t.description ||
      (t.expect.length
        ? `sample text that should be flagged (${t.expect.join(', ')})`
        : 'benign sample text');
    record(`text/${t.name}`, 'text', purpose, t.expect);
  }
  // Mostly benign English with a few invalid UTF-8 sequences: a lone continuation byte,
  // an invalid lead byte, an overlong encoding, a surrogate, and a truncated sequence at the end.
  const invalid = Buffer.concat([
    Buffer.from('Meeting notes for the garden club, spring edition.\n\n', 'utf8'),
    Buffer.from('We agreed to plant tomatoes, basil and sunflowers along the south fence ', 'utf8'),
    Buffer.from([0x80]),
    Buffer.from('and to water them twice a week.\n', 'utf8'),
    Buffer.from('The caf', 'utf8'),
    Buffer.from([0xc3, 0x28]),
    Buffer.from(' on the corner will host the next meeting ', 'utf8'),
    Buffer.from([0xff, 0xfe]),
    Buffer.from('at ten in the morning.\n', 'utf8'),
    Buffer.from('Bring gloves ', 'utf8'),
    Buffer.from([0xc0, 0xaf]),
    Buffer.from(' and a trowel if you have one ', 'utf8'),
    Buffer.from([0xed, 0xa0, 0x80]),
    Buffer.from('; spare seeds are welcome.\nThanks, everyone', 'utf8'),
    Buffer.from([0xe2, 0x82]),
    Buffer.from('\n', 'utf8'),
  ]);
  writeOut('text/invalid-utf8.txt', invalid);
  record('text/invalid-utf8.txt', 'text', 'benign English with invalid UTF-8 bytes (decoder robustness)', []);
}

// ---------------------------------------------------------------------------
// Images

/** Small deterministic PRNG (mulberry32). */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const esc = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function svgText(
  x,
  y,
  size,
  text,
  { fill = '#fff', stroke = '#000', strokeWidth = 0, weight = 'bold' } = {},
) {
  const outline = strokeWidth
    ? ` stroke="${stroke}" stroke-width="${strokeWidth}" stroke-linejoin="round" paint-order="stroke"`
    : '';
  return `<text x="${x}" y="${y}" font-family="${FONT}" font-weight="${weight}" font-size="${size}" text-anchor="middle" fill="${fill}"${outline}>${esc(text)}</text>`;
}

const svg = (w, h, body) =>
  Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}">${body}</svg>`,
  );

async function makeImages() {
  // 1. Simple drawing: house, sun, tree (palette PNG).
  const drawing = svg(
    256,
    256,
    `<rect width="256" height="256" fill="#cfe8ff"/>
     <rect y="190" width="256" height="66" fill="#7cc26b"/>
     <circle cx="210" cy="48" r="26" fill="#ffd23f"/>
     <rect x="60" y="120" width="90" height="75" fill="#e07a5f" stroke="#3d405b" stroke-width="3"/>
     <polygon points="52,122 105,78 158,122" fill="#3d405b"/>
     <rect x="95" y="155" width="22" height="40" fill="#3d405b"/>
     <rect x="70" y="135" width="18" height="18" fill="#f4f1de" stroke="#3d405b" stroke-width="2"/>
     <rect x="184" y="150" width="12" height="45" fill="#8d5a3b"/>
     <circle cx="190" cy="138" r="26" fill="#2d6a4f"/>`,
  );
  await sharp(drawing)
    .png({ palette: true, compressionLevel: 9, effort: 10 })
    .toFile(join(OUT, 'images/drawing.png'));
  record('images/drawing.png', 'image', 'simple vector-style drawing (house, sun, tree); benign');

  // 2. Photo-like JPEG: sky gradient, hills, sun, seeded noise.
  {
    const w = 320;
    const h = 240;
    const rnd = prng(0x5eed);
    const px = Buffer.alloc(w * h * 3);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const hill1 = 150 + 22 * Math.sin(x / 37) + 10 * Math.sin(x / 11 + 1);
        const hill2 = 185 + 14 * Math.sin(x / 23 + 2);
        let r;
        let g;
        let b;
        const dSun = Math.hypot(x - 240, y - 60);
        if (y > hill2) {
          r = 70 + (y - hill2) * 0.3;
          g = 120 + (y - hill2) * 0.4;
          b = 50;
        } else if (y > hill1) {
          r = 60;
          g = 105;
          b = 70;
        } else if (dSun < 22) {
          r = 255;
          g = 236;
          b = 180;
        } else {
          const t = y / hill1;
          r = 110 + 120 * t + Math.max(0, 40 - dSun / 3);
          g = 160 + 70 * t + Math.max(0, 25 - dSun / 4);
          b = 235 - 30 * t;
        }
        const n = (rnd() - 0.5) * 18;
        const i = (y * w + x) * 3;
        px[i] = Math.max(0, Math.min(255, r + n));
        px[i + 1] = Math.max(0, Math.min(255, g + n));
        px[i + 2] = Math.max(0, Math.min(255, b + n));
      }
    }
    await sharp(px, { raw: { width: w, height: h, channels: 3 } })
      .blur(0.6)
      .jpeg({ quality: 72, mozjpeg: true, chromaSubsampling: '4:2:0' })
      .toFile(join(OUT, 'images/photo.jpg'));
    record('images/photo.jpg', 'image', 'photo-like landscape (gradient, hills, seeded noise); benign');
  }

  // 3. Meme-style PNG with benign text (top/bottom caption, outlined).
  const meme = svg(
    400,
    280,
    `<defs><linearGradient id="g" x1="0" y1="0" x2="0" y2="1">
       <stop offset="0" stop-color="#5b8def"/><stop offset="1" stop-color="#a0c4ff"/></linearGradient></defs>
     <rect width="400" height="280" fill="url(#g)"/>
     <circle cx="200" cy="145" r="60" fill="#ffcc4d" stroke="#6b4f00" stroke-width="3"/>
     <circle cx="178" cy="130" r="8" fill="#3b2a00"/><circle cx="222" cy="130" r="8" fill="#3b2a00"/>
     <path d="M168 163 Q200 193 232 163" fill="none" stroke="#3b2a00" stroke-width="5" stroke-linecap="round"/>
     ${svgText(200, 46, 25, 'WHEN THE BUILD PASSES', { strokeWidth: 5 })}
     ${svgText(200, 262, 25, 'ON THE FIRST TRY', { strokeWidth: 5 })}`,
  );
  await sharp(meme)
    .png({ palette: true, compressionLevel: 9, effort: 10 })
    .toFile(join(OUT, 'images/meme.png'));
  record(
    'images/meme.png',
    'image',
    'meme-style picture with benign caption "WHEN THE BUILD PASSES / ON THE FIRST TRY" (OCR)',
  );

  // 4. Spam/scam text on an image: only OCR can catch it.
  const scam = svg(
    440,
    240,
    `<rect width="440" height="240" fill="#ffe600"/>
     <rect x="8" y="8" width="424" height="224" fill="none" stroke="#d00000" stroke-width="6" stroke-dasharray="14 8"/>
     ${svgText(220, 60, 28, 'CONGRATULATIONS!', { fill: '#d00000' })}
     ${svgText(220, 108, 26, 'CLAIM YOUR PRIZE NOW', { fill: '#000' })}
     ${svgText(220, 146, 20, 'You won a $1,000 gift card', { fill: '#000', weight: 'normal' })}
     <rect x="110" y="168" width="220" height="44" rx="8" fill="#0047ff"/>
     ${svgText(220, 199, 26, 'bit.ly/xyz', { fill: '#fff' })}`,
  );
  await sharp(scam)
    .png({ palette: true, compressionLevel: 9, effort: 10 })
    .toFile(join(OUT, 'images/scam-text.png'));
  record(
    'images/scam-text.png',
    'image',
    'scam-style text on image: a prize claim with a link shortener (caught through OCR)',
    ['spam'],
  );

  // 5. Small animated GIF: 3 frames of a ball moving, frame number drawn.
  {
    const w = 120;
    const h = 90;
    const frames = [];
    for (let f = 0; f < 3; f++) {
      const frame = svg(
        w,
        h,
        `<rect width="${w}" height="${h}" fill="#f6f6f6"/>
         <rect y="72" width="${w}" height="18" fill="#9ad0a0"/>
         <circle cx="${25 + f * 35}" cy="${58 - (f % 2) * 22}" r="13" fill="${['#e63946', '#457b9d', '#f4a261'][f]}"/>
         ${svgText(104, 20, 14, String(f + 1), { fill: '#333' })}`,
      );
      frames.push(await sharp(frame).ensureAlpha().raw().toBuffer());
    }
    await sharp(Buffer.concat(frames), { raw: { width: w, height: h * 3, channels: 4, pageHeight: h } })
      .gif({ delay: [300, 300, 300], loop: 0, effort: 10, dither: 0 })
      .toFile(join(OUT, 'images/animated.gif'));
    record(
      'images/animated.gif',
      'image',
      'animated GIF, 3 frames (bouncing ball); benign; multi-frame handling',
    );
  }

  // 6. WebP: a flower sticker.
  const petals = Array.from({ length: 8 }, (_, i) => {
    const a = (i * Math.PI) / 4;
    return `<ellipse cx="${(128 + 48 * Math.cos(a)).toFixed(2)}" cy="${(110 + 48 * Math.sin(a)).toFixed(2)}" rx="30" ry="18" transform="rotate(${i * 45} ${(128 + 48 * Math.cos(a)).toFixed(2)} ${(110 + 48 * Math.sin(a)).toFixed(2)})" fill="#ff8fab"/>`;
  }).join('');
  const flower = svg(
    256,
    256,
    `<rect width="256" height="256" fill="#fff7e6"/>
     <path d="M128 140 C126 180 132 210 128 250" stroke="#2a9d8f" stroke-width="8" fill="none"/>
     <ellipse cx="150" cy="200" rx="24" ry="10" fill="#2a9d8f" transform="rotate(-30 150 200)"/>
     ${petals}<circle cx="128" cy="110" r="26" fill="#ffb703"/>`,
  );
  await sharp(flower).webp({ quality: 75, effort: 6 }).toFile(join(OUT, 'images/sticker.webp'));
  record('images/sticker.webp', 'image', 'WebP flower sticker; benign');

  for (const w of written.filter((x) => x.media === 'image' && x.bytes > MAX_IMAGE_BYTES)) {
    warn(`${w.path} is ${kb(w.bytes)}, above the ${kb(MAX_IMAGE_BYTES)} per-image target`);
  }
}

// ---------------------------------------------------------------------------
// Audio / video (ffmpeg, flite)

const BITEXACT = [
  '-map_metadata',
  '-1',
  '-fflags',
  '+bitexact',
  '-flags:v',
  '+bitexact',
  '-flags:a',
  '+bitexact',
];

function ffmpeg(args, what) {
  run(FFMPEG, ['-hide_banner', '-nostdin', '-loglevel', 'error', '-y', ...args], what);
}

function speak(text, outPath, voice, tmp, what) {
  const raw = join(tmp, `${what}.wav`);
  run(FLITE, ['-voice', voice, '-t', text, '-o', raw], what);
  // Re-mux through ffmpeg: 16 kHz mono s16le, no LIST/INFO chunk.
  ffmpeg(['-i', raw, '-ac', '1', '-ar', '16000', '-c:a', 'pcm_s16le', ...BITEXACT, join(OUT, outPath)], what);
}

function makeAudio(encoders, voice, tmp) {
  mkdirSync(join(OUT, 'audio'), { recursive: true });
  speak('Thanks for joining the call today. See you soon.', 'audio/speech.wav', voice, tmp, 'speech');
  record('audio/speech.wav', 'audio', 'flite speech, benign sentence (speech detector: allowed)');

  speak('If you come back here again, I will hurt you.', 'audio/threat.wav', voice, tmp, 'threat');
  record(
    'audio/threat.wav',
    'audio',
    'flite speech, a synthetic mild threat against the listener (speech detector: violence, with a segment time)',
    ['violence'],
  );

  const sine = (freq, seconds) => [
    '-f',
    'lavfi',
    '-i',
    `sine=frequency=${freq}:sample_rate=22050:duration=${seconds}`,
  ];
  const audioEncoders = {};
  if (encoders.has('libmp3lame')) {
    ffmpeg(
      [
        ...sine(440, 2),
        '-ac',
        '1',
        '-c:a',
        'libmp3lame',
        '-b:a',
        '32k',
        ...BITEXACT,
        join(OUT, 'audio/tone.mp3'),
      ],
      'tone.mp3',
    );
    record('audio/tone.mp3', 'audio', '2 s 440 Hz sine, MP3 (no speech)');
    audioEncoders.mp3 = 'libmp3lame';
  } else {
    warn('ffmpeg has no libmp3lame encoder; skipping audio/tone.mp3');
  }
  const ogg = ['libopus', 'libvorbis'].find((e) => encoders.has(e));
  if (ogg) {
    const rate = ogg === 'libopus' ? '48000' : '22050';
    ffmpeg(
      [
        '-f',
        'lavfi',
        '-i',
        `sine=frequency=660:sample_rate=${rate}:duration=2`,
        '-ac',
        '1',
        '-c:a',
        ogg,
        '-b:a',
        '32k',
        ...BITEXACT,
        join(OUT, 'audio/tone.ogg'),
      ],
      'tone.ogg',
    );
    record(
      'audio/tone.ogg',
      'audio',
      `2 s 660 Hz sine, Ogg/${ogg === 'libopus' ? 'Opus' : 'Vorbis'} (no speech)`,
    );
    audioEncoders.ogg = ogg;
  } else {
    warn('ffmpeg has neither libopus nor libvorbis; skipping audio/tone.ogg');
  }
  return audioEncoders;
}

// clip.mp4 timeline: a moving test pattern; speech "If you come back here again, I will hurt you." from 1.0 s
// (the threat is its second half, about 2.5-3.6 s); a scam caption on screen from 5.0 to 8.0 s.
const CLIP_SECONDS = 9;
const SPEECH_AT = 1.0;
const CAPTION_FROM = 5.0;
const CAPTION_TO = 8.0;

async function makeVideo(encoders, voice, tmp) {
  mkdirSync(join(OUT, 'video'), { recursive: true });
  const src = [
    '-f',
    'lavfi',
    '-i',
    'testsrc=size=320x240:rate=15:duration=3',
    '-f',
    'lavfi',
    '-i',
    'sine=frequency=440:sample_rate=22050:duration=3',
  ];
  const used = {};
  const h264 = encoders.has('libx264');
  const v = h264
    ? ['-c:v', 'libx264', '-preset', 'medium', '-crf', '30', '-pix_fmt', 'yuv420p', '-threads', '1']
    : ['-c:v', 'mpeg4', '-q:v', '8', '-threads', '1'];
  if (!h264) warn('ffmpeg has no libx264; video/clip.mp4 uses MPEG-4 Part 2');
  const hasAac = encoders.has('aac');

  // The caption: a PNG overlaid for a time window (drawtext needs libfreetype, which not every ffmpeg has).
  const caption = join(tmp, 'caption.png');
  await sharp(
    svg(
      480,
      90,
      `<rect x="20" y="8" width="440" height="74" rx="10" fill="#ffe600" stroke="#d00000" stroke-width="4"/>
       ${svgText(240, 42, 26, 'CLAIM YOUR PRIZE NOW', { fill: '#000' })}
       ${svgText(240, 72, 22, 'bit.ly/xyz', { fill: '#0047ff' })}`,
    ),
  )
    .png()
    .toFile(caption);
  const voiceWav = join(tmp, 'clip-voice.wav');
  run(
    FLITE,
    ['-voice', voice, '-t', 'If you come back here again, I will hurt you.', '-o', voiceWav],
    'clip voice',
  );
  const delayMs = Math.round(SPEECH_AT * 1000);
  ffmpeg(
    [
      '-f',
      'lavfi',
      '-i',
      `testsrc2=size=480x270:rate=15:duration=${CLIP_SECONDS}`,
      '-loop',
      '1',
      '-i',
      caption,
      '-i',
      voiceWav,
      '-filter_complex',
      `[0:v][1:v]overlay=x=0:y=170:enable='between(t,${CAPTION_FROM},${CAPTION_TO})':shortest=1[v];` +
        `[2:a]adelay=${delayMs}|${delayMs},apad,atrim=0:${CLIP_SECONDS},aresample=22050[a]`,
      '-map',
      '[v]',
      ...(hasAac ? ['-map', '[a]'] : []),
      '-t',
      String(CLIP_SECONDS),
      ...v,
      ...(hasAac ? ['-c:a', 'aac', '-b:a', '32k', '-ac', '1'] : []),
      '-movflags',
      '+faststart',
      ...BITEXACT,
      join(OUT, 'video/clip.mp4'),
    ],
    'clip.mp4',
  );
  record(
    'video/clip.mp4',
    'video',
    `${CLIP_SECONDS} s 480x270 test pattern (${h264 ? 'H.264' : 'MPEG-4'}/${hasAac ? 'AAC' : 'no audio'}): ` +
      `a spoken threat from ${SPEECH_AT} s (flite) and an on-screen scam caption from ${CAPTION_FROM} to ${CAPTION_TO} s`,
    hasAac ? ['spam', 'violence'] : ['spam'],
  );
  used.mp4 = `${h264 ? 'libx264' : 'mpeg4'}${hasAac ? ' + aac' : ''}`;

  const vp = ['libvpx-vp9', 'libvpx'].find((e) => encoders.has(e));
  if (vp) {
    const vv =
      vp === 'libvpx-vp9'
        ? [
            '-c:v',
            'libvpx-vp9',
            '-b:v',
            '0',
            '-crf',
            '42',
            '-deadline',
            'good',
            '-cpu-used',
            '4',
            '-row-mt',
            '0',
            '-threads',
            '1',
          ]
        : ['-c:v', 'libvpx', '-b:v', '150k', '-deadline', 'good', '-cpu-used', '4', '-threads', '1'];
    const wa = encoders.has('libopus')
      ? ['-c:a', 'libopus', '-b:a', '24k', '-ac', '1']
      : encoders.has('libvorbis')
        ? ['-c:a', 'libvorbis', '-b:a', '32k', '-ac', '1']
        : ['-an'];
    ffmpeg([...src, ...vv, ...wa, '-shortest', ...BITEXACT, join(OUT, 'video/clip.webm')], 'clip.webm');
    const codec = vp === 'libvpx-vp9' ? 'VP9' : 'VP8';
    const acodec = wa[0] === '-an' ? 'no audio' : wa[1] === 'libopus' ? 'Opus' : 'Vorbis';
    record('video/clip.webm', 'video', `3 s 320x240 testsrc + 440 Hz tone (${codec}/${acodec}); benign`);
    used.webm = `${vp}${wa[0] === '-an' ? '' : ` + ${wa[1]}`}`;
  } else {
    warn('ffmpeg has no libvpx / libvpx-vp9; skipping video/clip.webm');
  }
  return used;
}

// ---------------------------------------------------------------------------
// expected.json and README.md

function kb(n) {
  return n < 1024 ? `${n} B` : `${(n / 1024).toFixed(1)} KB`;
}

function writeExpected() {
  const entries = [...written].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const expected = {};
  for (const w of entries) expected[w.path] = { media: w.media, expect: w.expect };
  writeFileSync(join(OUT, 'expected.json'), `${JSON.stringify(expected, null, 2)}\n`);
}

function writeReadme() {
  const rows = (media) =>
    written
      .filter((w) => w.media === media)
      .map(
        (w) =>
          `| \`${w.path}\` | ${w.expect.length ? w.expect.map((c) => `\`${c}\``).join(', ') : '—'} | ${w.purpose.replace(/\|/g, '\\|')} |`,
      )
      .join('\n');
  const table = (title, media) => {
    const r = rows(media);
    return r
      ? `## ${title}\n\n| File | Expected categories | What it is for |\n| --- | --- | --- |\n${r}\n`
      : '';
  };
  const readme = `# Winnow examples

Small, safe sample files for trying Winnow, for end-to-end tests and for checking
detectors. **Everything in this folder is generated** by \`scripts/make-examples.mjs\`;
do not edit it by hand. To regenerate:

\`\`\`sh
npm run examples          # = node scripts/make-examples.mjs
\`\`\`

The script needs \`sharp\` (a devDependency), \`ffmpeg\` and \`flite\` (voice \`rms\`).
Sample texts come from \`scripts/examples/texts.mjs\` (or \`texts.json\`); set
\`WINNOW_EXAMPLE_TEXTS=/path/to/texts.mjs\` to use another list. Output is deterministic on
a given machine (fixed seeds, metadata stripped, ffmpeg in bitexact mode); other versions of
ffmpeg, flite, sharp/libvips or fonts may produce different bytes.

\`expected.json\` maps each sample's path (relative to this folder) to its media kind and
the categories of the default taxonomy (see \`docs/taxonomy.md\`) a correct scan should flag.
An empty list means "should be allowed". \`images/scam-text.png\` is only caught by reading its text
(OCR); the audio samples are checked by the speech detector, which needs pocketsphinx.
\`video/clip.mp4\` carries a spoken threat and an on-screen scam caption at known times (see the table). This README
and \`expected.json\` are not samples: leave them out when scoring a scan of this folder.

Samples are synthetic and meant to be safe to open: no real personal data, no explicit
content; the "harmful" texts are short snippets written to exercise detectors. Links and
phone numbers in them are illustrations;
do not visit or call them. Text names without an extension get \`.txt\`.

${table('Text', 'text')}
${table('Images', 'image')}
${table('Audio', 'audio')}
${table('Video', 'video')}`;
  writeFileSync(join(OUT, 'README.md'), `${readme.replace(/\n{3,}/g, '\n\n').trimEnd()}\n`);
}

// ---------------------------------------------------------------------------

async function main() {
  const { encoders, voice } = checkTools();
  await loadSharp();
  const texts = await loadTexts();
  const categories = await knownCategories();

  // Start from a clean tree so removed samples do not linger.
  for (const p of ['text', 'images', 'audio', 'video', 'expected.json', 'README.md']) {
    rmSync(join(OUT, p), { recursive: true, force: true });
  }
  for (const d of ['text', 'images', 'audio', 'video']) mkdirSync(join(OUT, d), { recursive: true });

  const tmp = mkdtempSync(join(tmpdir(), 'winnow-examples-'));
  let av;
  try {
    await makeTexts(texts, categories);
    await makeImages();
    const audio = makeAudio(encoders, voice, tmp);
    const video = await makeVideo(encoders, voice, tmp);
    av = { ...audio, ...video };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  writeExpected();
  writeReadme();

  const extra = ['expected.json', 'README.md'].map((p) => ({ path: p, bytes: statSync(join(OUT, p)).size }));
  const all = [...written, ...extra];
  const width = Math.max(...all.map((w) => w.path.length));
  console.log(`Wrote ${all.length} files to ${relative(process.cwd(), OUT) || '.'}/:`);
  for (const w of all) console.log(`  ${w.path.padEnd(width)}  ${kb(w.bytes).padStart(9)}`);
  const total = all.reduce((s, w) => s + w.bytes, 0);
  console.log(`  ${'total'.padEnd(width)}  ${kb(total).padStart(9)}`);
  console.log(
    `Encoders: ${Object.entries(av)
      .map(([k, v]) => `${k}=${v}`)
      .join(', ')}; flite voice=${voice}`,
  );
  if (total > MAX_TOTAL_BYTES) fail(`examples/ is ${kb(total)}, above the ${kb(MAX_TOTAL_BYTES)} limit`);
  if (total > TARGET_TOTAL_BYTES)
    warn(`examples/ is ${kb(total)}, above the ${kb(TARGET_TOTAL_BYTES)} target`);
}

main().catch((e) => fail(e?.stack || String(e)));
