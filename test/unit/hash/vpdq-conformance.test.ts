import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { hammingDistance256, pdqHexToWords } from '../../../core/hash/hamming';
import { vpdqHashVideo } from '../../../core/hash/vpdq';
import {
  isVpdqMatch,
  matchVpdq,
  VPDQ_MATCH_CPP,
  VPDQ_MATCH_HMA,
  type VpdqFrame,
} from '../../../core/hash/vpdq-match';
import { describeWith, readCsv, vectorsDir } from '../../helpers/shared-vectors';

const VPDQ = vectorsDir('vpdq', 'vPDQ conformance');

/** A sample-hashes file: `frameNumber,quality,pdqHex,timestampSeconds` per line. */
function readSampleHashes(path: string): VpdqFrame[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((line) => {
      const [frame, quality, hex, ts] = line.split(',');
      return {
        frame: Number(frame),
        quality: Number(quality),
        hash: pdqHexToWords(hex as string),
        timestamp: Number(ts),
      };
    });
}

/**
 * Videos decoded in this suite (3 of the 11, to keep it near 20 s on 2 cores): a dark HD video (where SIMD and C
 * conversions differ most), an SD one, and the newest file, which was made with SIMD conversion.
 */
const DECODED = ['doorknob-hd-no-bar', 'pattern-sd-grey-bar', 'test-padded-dimensions'];

describeWith(VPDQ)('vPDQ conformance with the reference vectors', () => {
  const dir = VPDQ as string;

  it('reproduces every cell of the match matrix (HMA and C++ rules)', () => {
    const rows = readCsv(join(dir, 'expected', 'match-matrix.csv'));
    const cache = new Map<string, VpdqFrame[]>();
    const load = (name: string) => {
      let f = cache.get(name);
      if (!f) {
        f = readSampleHashes(join(dir, 'upstream', 'sample-hashes', `${name}.txt`));
        cache.set(name, f);
      }
      return f;
    };
    const bad: string[] = [];
    for (const row of rows) {
      const q = load(row.query as string);
      const c = load(row.compared as string);
      const hma = matchVpdq(q, c, VPDQ_MATCH_HMA);
      const cpp = matchVpdq(q, c, VPDQ_MATCH_CPP);
      const same =
        hma.queryMatchPercent.toFixed(4) === row.pytx_query_pct &&
        hma.comparedMatchPercent.toFixed(4) === row.pytx_compared_pct &&
        String(hma.queryFrames) === row.pytx_query_frames &&
        String(hma.comparedFrames) === row.pytx_compared_frames &&
        String(isVpdqMatch(hma)) === row.pytx_is_match_q80_c0 &&
        cpp.queryMatchPercent.toFixed(4) === row.cpp_query_pct &&
        cpp.comparedMatchPercent.toFixed(4) === row.cpp_compared_pct &&
        String(cpp.queryFrames) === row.cpp_query_frames &&
        String(cpp.comparedFrames) === row.cpp_compared_frames;
      if (!same) bad.push(`${row.query} vs ${row.compared}: ${JSON.stringify({ hma, cpp })}`);
    }
    console.log(`vPDQ match matrix: ${rows.length - bad.length}/${rows.length} pairs reproduced`);
    expect(rows.length).toBe(256);
    expect(bad).toEqual([]);
  });

  it.each(DECODED)(
    'hashes every frame of %s within the reference tolerance (distance < 31)',
    async (name) => {
      const expected = readSampleHashes(join(dir, 'upstream', 'sample-hashes', `${name}.txt`));
      const { frames } = await vpdqHashVideo(join(dir, 'upstream', 'videos', `${name}.mp4`), {
        secondsPerHash: 0,
      });
      expect(frames).toHaveLength(expected.length);
      const distances = frames.map((f, i) =>
        hammingDistance256(f.hash, 0, (expected[i] as VpdqFrame).hash, 0),
      );
      const exact = distances.filter((d) => d === 0).length;
      const qualityEqual = frames.filter((f, i) => f.quality === expected[i]?.quality).length;
      console.log(
        `vPDQ ${name}: ${frames.length} frames, ${exact} bit-exact, max distance ${Math.max(...distances)}, ` +
          `quality equal on ${qualityEqual}`,
      );
      expect(frames.map((f) => f.frame)).toEqual(expected.map((f) => f.frame));
      expect(frames.map((f) => f.timestamp.toFixed(3))).toEqual(expected.map((f) => f.timestamp.toFixed(3)));
      expect(Math.max(...distances)).toBeLessThan(31);
    },
    120_000,
  );

  it('hashes one frame per second by default, as HMA does', async () => {
    const r = await vpdqHashVideo(join(dir, 'upstream', 'videos', 'test-padded-dimensions.mp4'));
    expect(r.frameStep).toBe(Math.floor(r.fps));
    expect(r.frames.map((f) => f.frame)).toEqual(r.frames.map((_, i) => i * r.frameStep));
  }, 60_000);
});
