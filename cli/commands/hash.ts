import { open, readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { exactHashesOfFile } from '../../core/hash/exact-hashes';
import { wordsToPdqHex } from '../../core/hash/hamming';
import { PDQ_MIN_USEFUL_QUALITY } from '../../core/hash/pdq';
import { pdqHashImage } from '../../core/hash/pdq-image';
import { vpdqHashVideo } from '../../core/hash/vpdq';
import type { Logger } from '../../core/logging/logger';
import { SNIFF_BYTES, sniffMedia } from '../../core/media/sniff';
import type { CliConfig } from '../cli-config';
import { EXIT, UsageError } from '../usage-error';

export const HASH_USAGE = `Usage: winnow hash <file...> [options]

Prints hashes of each file: PDQ (hex) and its quality for images, vPDQ for videos, and MD5 and SHA-256 of the
bytes for every file. PDQ is computed at full resolution from the decoded RGB pixels, bit-exact with Meta's
reference; vPDQ hashes one frame per --seconds-per-hash. The method is in docs/hashing.md. A file that cannot be
hashed is reported and the others still are; the exit code is then 1.

Options:
  --json                   one JSON object per line: {file, pdq, quality, md5, sha256} for images;
                           {file, md5, sha256, vpdq} for videos; {file, error} for failures
  --seconds-per-hash SEC   vPDQ: seconds between hashed frames (default 1, as HMA; 0 = every frame)
  --frames                 vPDQ: include every hashed frame ({frame, quality, pdq, timestamp}) in --json output
  -h, --help               this text`;

/** What `winnow hash` reports for one file. */
type HashRecord =
  | { file: string; pdq: string; quality: number; md5: string; sha256: string }
  | {
      file: string;
      md5: string;
      sha256: string;
      vpdq: {
        frames: number;
        usefulFrames: number;
        fps: number;
        frameStep: number;
        meanQuality: number;
        hashes?: { frame: number; quality: number; pdq: string; timestamp: number }[];
      };
    }
  | { file: string; md5: string; sha256: string }
  | { file: string; error: string };

async function readHead(path: string): Promise<Buffer> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(SNIFF_BYTES);
    const { bytesRead } = await fh.read(buf, 0, SNIFF_BYTES, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

async function hashFile(file: string, secondsPerHash: number, withFrames: boolean): Promise<HashRecord> {
  const kind = sniffMedia(await readHead(file)).kind;
  if (kind === 'image') {
    const bytes = await readFile(file);
    const [pdq, exact] = await Promise.all([pdqHashImage(bytes), exactHashesOfFile(file)]);
    return { file, pdq: wordsToPdqHex(pdq.hash), quality: pdq.quality, ...exact };
  }
  const exact = await exactHashesOfFile(file);
  if (kind !== 'video') return { file, ...exact };
  const v = await vpdqHashVideo(file, { secondsPerHash });
  const useful = v.frames.filter((f) => f.quality >= PDQ_MIN_USEFUL_QUALITY).length;
  const meanQuality = v.frames.length ? v.frames.reduce((s, f) => s + f.quality, 0) / v.frames.length : 0;
  return {
    file,
    ...exact,
    vpdq: {
      frames: v.frames.length,
      usefulFrames: useful,
      fps: v.fps,
      frameStep: v.frameStep,
      meanQuality: Math.round(meanQuality * 10) / 10,
      ...(withFrames
        ? {
            hashes: v.frames.map((f) => ({
              frame: f.frame,
              quality: f.quality,
              pdq: wordsToPdqHex(f.hash),
              timestamp: Number(f.timestamp.toFixed(3)),
            })),
          }
        : {}),
    },
  };
}

function textLine(r: HashRecord): string {
  if ('error' in r) return `${r.file}\terror: ${r.error}`;
  if ('pdq' in r) return `${r.file}\tpdq=${r.pdq}\tquality=${r.quality}\tmd5=${r.md5}\tsha256=${r.sha256}`;
  if ('vpdq' in r) {
    const v = r.vpdq;
    return `${r.file}\tvpdq frames=${v.frames} (quality>=${PDQ_MIN_USEFUL_QUALITY}: ${v.usefulFrames}, every ${v.frameStep} at ${v.fps} fps)\tmd5=${r.md5}\tsha256=${r.sha256}`;
  }
  return `${r.file}\tmd5=${r.md5}\tsha256=${r.sha256}`;
}

/** `winnow hash <file...>`: PDQ/vPDQ and exact hashes per file; failures are reported per file. */
export async function hashCommand(argv: string[], _config: CliConfig, logger: Logger): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      json: { type: 'boolean', default: false },
      'seconds-per-hash': { type: 'string' },
      frames: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${HASH_USAGE}\n`);
    return EXIT.ok;
  }
  if (positionals.length === 0) throw new UsageError('hash needs at least one file');
  const rawStep = values['seconds-per-hash'];
  const secondsPerHash = rawStep === undefined ? 1 : Number(rawStep);
  if (
    rawStep !== undefined &&
    (rawStep.trim() === '' || !Number.isFinite(secondsPerHash) || secondsPerHash < 0)
  ) {
    throw new UsageError(`--seconds-per-hash must be a number of seconds, 0 or more, got "${rawStep}"`);
  }
  let failed = 0;
  for (const file of positionals) {
    let record: HashRecord;
    try {
      record = await hashFile(file, secondsPerHash, values.frames);
    } catch (err) {
      failed++;
      const message = err instanceof Error ? err.message : String(err);
      logger.debug('hash failed', { file, error: message });
      record = { file, error: message };
    }
    if (values.json) process.stdout.write(`${JSON.stringify(record)}\n`);
    else if ('error' in record) process.stderr.write(`${textLine(record)}\n`);
    else process.stdout.write(`${textLine(record)}\n`);
  }
  return failed > 0 ? 1 : EXIT.ok;
}
