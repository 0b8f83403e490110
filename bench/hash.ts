import sharp from 'sharp';
import { exactHashes } from '../core/hash/exact-hashes';
import { pdqHashPixels, setPdqFilterImplementation } from '../core/hash/pdq';
import { decodeForPdq } from '../core/hash/pdq-image';
import { machineLine, median, writeBenchSection } from './bench-utils';

const RUNS = Number(process.env.BENCH_HASH_RUNS ?? 5);
const IMAGES = 8;
const SIDE = 1000;

/** Eight different 1000×1000 photo-like JPEGs (smooth gradients, shapes and noise), quality 90. */
async function testJpegs(): Promise<Buffer[]> {
  const out: Buffer[] = [];
  let seed = 12345;
  const rand = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 2 ** 32;
  };
  for (let n = 0; n < IMAGES; n++) {
    const raw = Buffer.alloc(SIDE * SIDE * 3);
    const cx = rand() * SIDE;
    const cy = rand() * SIDE;
    for (let y = 0; y < SIDE; y++) {
      for (let x = 0; x < SIDE; x++) {
        const r = Math.hypot(x - cx, y - cy);
        const i = 3 * (y * SIDE + x);
        const noise = rand() * 24;
        raw[i] = (x * (n + 1) * 0.2 + noise) & 255;
        raw[i + 1] = (128 + 100 * Math.sin(r / (20 + n * 5)) + noise) & 255;
        raw[i + 2] = ((x + y) * 0.12 + (r < 200 ? 90 : 0) + noise) & 255;
      }
    }
    out.push(
      await sharp(raw, { raw: { width: SIDE, height: SIDE, channels: 3 } })
        .jpeg({ quality: 90 })
        .toBuffer(),
    );
  }
  return out;
}

/** Images per second over `RUNS` runs (median), each run hashing every image once, after one warm-up run. */
async function perSecond(n: number, fn: () => Promise<void> | void): Promise<number[]> {
  await fn();
  const rates: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const t = performance.now();
    await fn();
    rates.push((n * 1000) / (performance.now() - t));
  }
  return rates;
}

async function main(): Promise<void> {
  const jpegs = await testJpegs();
  const decoded = await Promise.all(jpegs.map((j) => decodeForPdq(j)));
  const hashAll = () => {
    for (const d of decoded) pdqHashPixels(d.data, d.width, d.height, 3);
  };
  // Baseline in the same process: the JavaScript filter, which gives the same bits.
  setPdqFilterImplementation('js');
  const hashOnlyJs = await perSecond(decoded.length, hashAll);
  setPdqFilterImplementation('simd');
  const hashOnly = await perSecond(decoded.length, hashAll);
  const withDecode = await perSecond(jpegs.length, async () => {
    for (const j of jpegs) {
      const d = await decodeForPdq(j);
      pdqHashPixels(d.data, d.width, d.height, 3);
    }
  });
  const exact = await perSecond(jpegs.length, () => {
    for (const j of jpegs) exactHashes(j);
  });
  const fmt = (xs: number[]) => median(xs).toFixed(0);
  const range = (xs: number[]) => `${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)}`;
  const md = `## Hashing (PDQ, exact hashes)

Regenerate with \`npm run build && node dist/bench/hash.js\`.

| what | images/s (median of ${RUNS} runs) | range |
| --- | ---: | ---: |
| PDQ hash-only, from decoded 1 MP RGB pixels (${SIDE}×${SIDE}), WebAssembly SIMD filter (default) | ${fmt(hashOnly)} | ${range(hashOnly)} |
| PDQ hash-only, the same, JavaScript filter (baseline, identical bits) | ${fmt(hashOnlyJs)} | ${range(hashOnlyJs)} |
| PDQ with decode: sharp decode of a 1 MP JPEG (quality 90) + hash | ${fmt(withDecode)} | ${range(withDecode)} |
| MD5 + SHA-256 of the JPEG bytes (about ${Math.round(jpegs.reduce((s, j) => s + j.length, 0) / jpegs.length / 1024)} KB) | ${fmt(exact)} | ${range(exact)} |

Method: ${IMAGES} generated photo-like ${SIDE}×${SIDE} JPEGs, each run hashes all of them once on the main thread
(one core; sharp's decode may use its own threads), after one warm-up run. PDQ is the bit-exact float32 port
(\`core/hash/pdq.ts\`, see docs/hashing.md); target: hash-only ≥ 100 images/s per core at 1 MP. The SIMD filter
is ${(median(hashOnly) / median(hashOnlyJs)).toFixed(1)}× the JavaScript one here; both give the same bits (the conformance tests run both).
Machine: ${machineLine()}. Measured ${new Date().toISOString().slice(0, 10)}.`;
  const file = writeBenchSection('hash', md);
  process.stdout.write(`${md}\n\nwritten to ${file}\n`);
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
