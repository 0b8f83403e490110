import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import sharp from 'sharp';
import { pdqHexToWords, wordsToPdqHex } from '../../../core/hash/hamming';
import {
  type PdqFilterImplementation,
  pdqCoefficients,
  pdqHashFromDct,
  pdqLuma,
  setPdqFilterImplementation,
} from '../../../core/hash/pdq';
import { PDQ_DCT_MATRIX, pdqDct64To16 } from '../../../core/hash/pdq-dct';
import { type PdqDihedralName, pdqDihedralHashes } from '../../../core/hash/pdq-dihedral';
import { pdqDownsample } from '../../../core/hash/pdq-downsample';
import { decodeForPdq } from '../../../core/hash/pdq-image';
import { describeWith, readCsv, vectorsDir } from '../../helpers/shared-vectors';

const PDQ = vectorsDir('pdq', 'PDQ conformance');

/** Columns of the expected CSVs holding each dihedral variant. */
const DIHEDRAL_COLUMNS: Record<Exclude<PdqDihedralName, 'original'>, string> = {
  rot90: 'hash_rot90',
  rot180: 'hash_rot180',
  rot270: 'hash_rot270',
  flipx: 'hash_flipx',
  flipy: 'hash_flipy',
  flipplus1: 'hash_flipplus1',
  flipminus1: 'hash_flipminus1',
};

/**
 * Files whose pixels sharp decodes differently from Pillow, by design: a 16-bit grey PNG (sharp scales to 8 bits,
 * Pillow clips; HMA refuses the file) and a CMYK JPEG (Pillow converts naively, sharp through a CMYK profile).
 */
const KNOWN_DECODER_DIFFERENCES = new Set([
  'upstream/hma-resources/I16.png',
  'upstream/misc-images/modes/CMYK.jpg',
]);

/** Bit patterns of float32 values, as the stage dumps print them. */
function bits(values: Float32Array): string[] {
  return Array.from(new Uint32Array(new Float32Array(values).buffer), (u) => u.toString(16).padStart(8, '0'));
}

/** Raw pixels of a lossless PNG, as decoded (1 channel for grey, 3 for RGB). */
async function rawPng(
  path: string,
): Promise<{ data: Buffer; width: number; height: number; channels: 1 | 3 }> {
  const { data, info } = await sharp(readFileSync(path))
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: info.channels === 1 ? 1 : 3 };
}

/** Grey pixels expanded to R=G=B, as Pillow's `convert('RGB')` does. */
function greyToRgb(grey: Buffer): Buffer {
  const out = Buffer.alloc(grey.length * 3);
  for (let i = 0; i < grey.length; i++) out.fill(grey[i] as number, 3 * i, 3 * i + 3);
  return out;
}

/** Each differing hash column of `row` against a full hash computation of the pixels. */
function mismatches(
  row: Record<string, string>,
  pixels: Uint8Array,
  width: number,
  height: number,
  channels: 1 | 3,
): string[] {
  const c = pdqCoefficients(pixels, width, height, channels);
  const dih = pdqDihedralHashes(c);
  const bad: string[] = [];
  if (c.quality !== Number(row.quality)) bad.push(`quality ${c.quality} ≠ ${row.quality}`);
  const got = wordsToPdqHex(c.tiny ? dih.original : pdqHashFromDct(c.dct));
  if (got !== row.hash) bad.push(`hash ${got} ≠ ${row.hash}`);
  if (row.hash_dih_orig !== undefined && wordsToPdqHex(dih.original) !== row.hash_dih_orig)
    bad.push('hash_dih_orig');
  for (const [name, column] of Object.entries(DIHEDRAL_COLUMNS)) {
    const hex = wordsToPdqHex(dih[name as PdqDihedralName]);
    if (hex !== row[column]) bad.push(`${column} ${hex} ≠ ${row[column]}`);
  }
  return bad;
}

/** Hamming distance between two hex hashes. */
function distance(a: string, b: string): number {
  const x = pdqHexToWords(a);
  const y = pdqHexToWords(b);
  let d = 0;
  for (let i = 0; i < 8; i++) {
    let v = ((x[i] as number) ^ (y[i] as number)) >>> 0;
    while (v) {
      d += v & 1;
      v >>>= 1;
    }
  }
  return d;
}

describeWith(PDQ)('PDQ conformance with the reference vectors', () => {
  const dir = PDQ as string;

  it('computes the reference DCT matrix bit for bit', () => {
    const lines = readFileSync(join(dir, 'stages', 'dct-matrix-16x64.txt'), 'utf8')
      .split('\n')
      .filter((l) => /^[0-9a-f]{8}( |$)/.test(l));
    expect(lines).toHaveLength(16);
    expect(bits(PDQ_DCT_MATRIX)).toEqual(lines.join(' ').split(' '));
  });

  const stageFiles = readdirSync(join(dir, 'stages')).filter((f) => f.endsWith('.stages.txt'));
  it.each(stageFiles)('reproduces every stage of %s', async (file) => {
    const text = readFileSync(join(dir, 'stages', file), 'utf8');
    const field = (name: string) => new RegExp(`^${name} (.*)$`, 'm').exec(text)?.[1] ?? '';
    const block = (name: string, rows: number) => {
      const lines = text.split('\n');
      const at = lines.indexOf(name);
      return lines
        .slice(at + 1, at + 1 + rows)
        .join(' ')
        .trim()
        .split(/\s+/);
    };
    const stem = basename(file, '.stages.txt');
    const png =
      stem === 'wee' ? join(dir, 'pixels', 'misc-images__wee.png') : join(dir, 'synthetic', `${stem}.png`);
    const px = await rawPng(png);
    const rgb = px.channels === 1 ? greyToRgb(px.data) : px.data;
    expect(px.width).toBe(Number(field('width')));
    const luma = pdqLuma(rgb, px.width, px.height, 3, new Float32Array(px.width * px.height));
    expect(bits(luma.subarray(0, 16))).toEqual(field('luma_first16').trim().split(/\s+/));
    const down = pdqDownsample(luma, px.width, px.height);
    expect(bits(down)).toEqual(block('buf64x64', 64));
    expect(bits(pdqDct64To16(down))).toEqual(block('dct16x16', 16));
    const c = pdqCoefficients(rgb, px.width, px.height, 3);
    expect(c.quality).toBe(Number(field('quality')));
    expect(wordsToPdqHex(pdqHashFromDct(c.dct))).toBe(field('hash').trim());
  });

  afterEach(() => setPdqFilterImplementation('simd'));
  const FILTERS: PdqFilterImplementation[] = ['simd', 'js'];

  it.each(FILTERS)(
    'matches every synthetic row bit for bit (hash, quality, all dihedral columns; %s filter)',
    async (filter) => {
      setPdqFilterImplementation(filter);
      const rows = readCsv(join(dir, 'expected', 'synthetic-core.csv'));
      const failures: string[] = [];
      let float64Differs = 0;
      for (const row of rows) {
        const px = await rawPng(join(dir, row.file as string));
        const grey = px.channels === 1 && row.luma_from === 'grey';
        const pixels = px.channels === 1 && !grey ? greyToRgb(px.data) : px.data;
        const bad = mismatches(row, pixels, px.width, px.height, grey ? 1 : 3);
        if (bad.length > 0) failures.push(`${row.file} (${row.luma_from}): ${bad.join('; ')}`);
        if (row.hash !== row.hash_float64_pipeline) float64Differs++;
      }
      console.log(
        `PDQ synthetic (${filter} filter): ${rows.length - failures.length}/${rows.length} rows bit-exact ` +
          `(${float64Differs} of them would differ in a float64 port)`,
      );
      expect(failures).toEqual([]);
    },
  );

  it.each(FILTERS)(
    'matches every decoded-pixel row bit for bit (hash, quality, all dihedral columns; %s filter)',
    async (filter) => {
      setPdqFilterImplementation(filter);
      const rows = readCsv(join(dir, 'expected', 'pillow-fullres-core.csv')).filter(
        (r) => r.decoded_pixels_png,
      );
      const failures: string[] = [];
      for (const row of rows) {
        const px = await rawPng(join(dir, row.decoded_pixels_png as string));
        const pixels = px.channels === 1 ? greyToRgb(px.data) : px.data;
        const bad = mismatches(row, pixels, px.width, px.height, 3);
        if (bad.length > 0) failures.push(`${row.file}: ${bad.join('; ')}`);
      }
      console.log(
        `PDQ decoded pixels (${filter} filter): ${rows.length - failures.length}/${rows.length} rows bit-exact`,
      );
      expect(rows.length).toBeGreaterThan(10);
      expect(failures).toEqual([]);
    },
  );

  it('hashes the image files end to end close to the HMA path (distance distribution reported)', async () => {
    const rows = readCsv(join(dir, 'expected', 'pillow-fullres-core.csv'));
    const lines: string[] = [];
    const histogram = new Map<number, number>();
    const jpegDistances: number[] = [];
    const dihedralOff: string[] = [];
    const otherOff: string[] = [];
    for (const row of rows) {
      const file = row.file as string;
      const px = await decodeForPdq(readFileSync(join(dir, file)));
      const c = pdqCoefficients(px.data, px.width, px.height, 3);
      const dih = pdqDihedralHashes(c);
      const d = distance(wordsToPdqHex(dih.original), row.hash as string);
      lines.push(`${String(d).padStart(3)}  q=${c.quality}/${row.quality}  ${file}`);
      if (/\.jpe?g$/i.test(file)) {
        jpegDistances.push(d);
        histogram.set(d, (histogram.get(d) ?? 0) + 1);
      } else if (d !== 0 && !KNOWN_DECODER_DIFFERENCES.has(file)) {
        otherOff.push(`${file} ${d}`);
      }
      if (d === 0) {
        for (const [name, column] of Object.entries(DIHEDRAL_COLUMNS)) {
          if (wordsToPdqHex(dih[name as PdqDihedralName]) !== row[column])
            dihedralOff.push(`${file} ${name}`);
        }
      }
    }
    const hist = [...histogram.entries()].sort((a, b) => a[0] - b[0]).map(([k, v]) => `${k} bits: ${v}`);
    console.log(
      `PDQ end to end from files (distance to the Pillow/libjpeg-turbo reference):\n${lines.join('\n')}\n` +
        `JPEG rows: ${jpegDistances.length}, distance histogram: ${hist.join(', ')}`,
    );
    // The vectors' README: other decoders than libjpeg-turbo may differ by a few bits; upstream accepts 10.
    expect(Math.max(...jpegDistances)).toBeLessThanOrEqual(10);
    expect(otherOff).toEqual([]);
    expect(dihedralOff).toEqual([]);
  });
});
