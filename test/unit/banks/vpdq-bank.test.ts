import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { detectBankFormat, formatBankFile, parseBankFile } from '../../../core/banks/bank-format';
import { BankSnapshot } from '../../../core/banks/bank-snapshot';
import type { BankEntry, HashBank } from '../../../core/banks/hash-bank';
import { normaliseHash } from '../../../core/banks/hash-bank';
import { formatVpdqValue, parseVpdqValue, vpdqFrameCount } from '../../../core/banks/vpdq-value';
import { wordsToPdqHex } from '../../../core/hash/hamming';
import type { VpdqFrame } from '../../../core/hash/vpdq-match';
import { prng } from '../../helpers/prng';
import { describeWith, readCsv, vectorsDir } from '../../helpers/shared-vectors';

function randomHex(rand: () => number): string {
  let s = '';
  for (let i = 0; i < 64; i++) s += Math.floor(rand() * 16).toString(16);
  return s;
}

/** A video of `n` frames: random hashes, quality 100, one frame a second. */
function lines(n: number, seed: number): string {
  const rand = prng(seed);
  let out = '';
  for (let i = 0; i < n; i++) out += `${i},100,${randomHex(rand)},${i.toFixed(3)}\n`;
  return out;
}

const bank = (name: string): HashBank => ({
  id: `id-${name}`,
  name,
  version: 1,
  entryCount: 0,
  createdAt: '2026-11-26T00:00:00.000Z',
  updatedAt: '2026-11-26T00:00:00.000Z',
});

async function snapshotOf(entries: Record<string, BankEntry[]>): Promise<BankSnapshot> {
  const banks = Object.keys(entries).map(bank);
  return BankSnapshot.build(banks, async function* (b) {
    yield* entries[b.name] ?? [];
  });
}

const entry = (hash: string, label?: string): BankEntry => ({
  kind: 'vpdq',
  hash,
  addedAt: '2026-11-26T00:00:00.000Z',
  ...(label ? { label } : {}),
});

describe('vPDQ bank values', () => {
  it('reads the reference lines, HMA JSON (both shapes) and its own canonical form to the same value', () => {
    const text = lines(5, 1);
    const frames = parseVpdqValue(text) as VpdqFrame[];
    expect(frames).toHaveLength(5);
    const canonical = formatVpdqValue(frames);
    const byFrame = Object.fromEntries(
      frames.map((f) => [
        f.frame,
        { quality: f.quality, hash: wordsToPdqHex(f.hash), timestamp: f.timestamp },
      ]),
    );
    const list = frames.map((f) => ({
      pdq_hex: wordsToPdqHex(f.hash),
      quality: f.quality,
      timestamp: f.timestamp,
    }));
    expect(normaliseHash('vpdq', text)).toBe(canonical);
    expect(normaliseHash('vpdq', JSON.stringify(byFrame))).toBe(canonical);
    expect(normaliseHash('vpdq', JSON.stringify(list))).toBe(canonical);
    expect(normaliseHash('vpdq', canonical)).toBe(canonical);
    expect(vpdqFrameCount(canonical)).toBe(5);
  });

  it('rejects what is not a vPDQ list', () => {
    for (const bad of [
      '',
      'abc',
      '0,100,xyz,0.000',
      '{"0": {"quality": 101, "hash": "00"}}',
      '[1, 2]',
      'null',
    ]) {
      expect(normaliseHash('vpdq', bad)).toBeUndefined();
    }
  });

  it('imports a reference hash file as one entry, detected by its lines, and round-trips it through hma and csv', () => {
    const text = lines(4, 2);
    expect(detectBankFormat('clip.txt', text)).toBe('vpdq');
    const parsed = parseBankFile(text, 'vpdq', { label: 'known-video', source: 'partner' });
    expect(parsed.problems).toEqual([]);
    expect(parsed.entries).toHaveLength(1);
    const e = { ...(parsed.entries[0] as BankEntry), addedAt: '2026-11-26T00:00:00.000Z' };
    expect(e.kind).toBe('vpdq');
    for (const format of ['hma', 'csv', 'vpdq'] as const) {
      const again = parseBankFile(formatBankFile([e], format), format);
      expect(again.problems).toEqual([]);
      expect(again.entries[0]?.hash).toBe(e.hash);
    }
    expect(() => formatBankFile([e, e], 'vpdq')).toThrow(/one video/);
  });
});

describe('whole-video matching in a bank snapshot', () => {
  it("finds the bank video whose frames cover the query's (HMA rule), with both percentages", async () => {
    const a = normaliseHash('vpdq', lines(20, 10)) as string;
    const b = normaliseHash('vpdq', lines(20, 11)) as string;
    const snap = await snapshotOf({ known: [entry(a, 'video-a'), entry(b, 'video-b')] });
    expect(snap.counts.vpdq).toBe(2);
    // The query: the first 10 frames of video a, each hash with 3 bits flipped.
    const query = (parseVpdqValue(a) as VpdqFrame[]).slice(0, 10).map((f) => {
      const hash = f.hash.slice();
      hash[0] = (hash[0] as number) ^ 0b111;
      return { ...f, hash };
    });
    const opts = { radius: 31, minQuality: 50, queryPercent: 80, comparedPercent: 0 };
    const matches = snap.matchVideo(query, opts);
    expect(matches).toHaveLength(1);
    expect(matches[0]).toMatchObject({ bankName: 'known', kind: 'vpdq', label: 'video-a', distance: 3 });
    expect(matches[0]?.video).toEqual({
      queryMatchPercent: 100,
      comparedMatchPercent: 50,
      queryFrames: 10,
      comparedFrames: 20,
    });
    // Requiring half of the bank video's frames still matches; more does not.
    expect(snap.matchVideo(query, { ...opts, comparedPercent: 50 })).toHaveLength(1);
    expect(snap.matchVideo(query, { ...opts, comparedPercent: 51 })).toHaveLength(0);
    // A query whose frames are mostly new does not reach 80%.
    const mixed = [...query.slice(0, 3), ...(parseVpdqValue(lines(7, 99)) as VpdqFrame[])];
    expect(snap.matchVideo(mixed, opts)).toHaveLength(0);
    expect(snap.matchVideo(mixed, { ...opts, queryPercent: 30 })).toHaveLength(1);
  });
});

const VPDQ = vectorsDir('vpdq', 'vPDQ bank matching');

describeWith(VPDQ)('whole-video bank matching against the reference match matrix', () => {
  it('gives python-threatexchange percentages for every pair that shares a frame', async () => {
    const dir = VPDQ as string;
    const names = readdirSync(join(dir, 'upstream', 'sample-hashes'))
      .filter((f) => f.endsWith('.txt') && !f.includes('-128x128'))
      .map((f) => f.slice(0, -4));
    const values = new Map(
      names.map((n) => [
        n,
        normaliseHash(
          'vpdq',
          readFileSync(join(dir, 'upstream', 'sample-hashes', `${n}.txt`), 'utf8'),
        ) as string,
      ]),
    );
    const snap = await snapshotOf({ samples: names.map((n) => entry(values.get(n) as string, n)) });
    const rows = readCsv(join(dir, 'expected', 'match-matrix.csv'));
    const bad: string[] = [];
    let compared = 0;
    for (const row of rows) {
      const query = parseVpdqValue(values.get(row.query as string) as string) as VpdqFrame[];
      const found = snap
        .matchVideo(query, { radius: 31, minQuality: 50, queryPercent: 0, comparedPercent: 0 })
        .find((m) => m.label === row.compared);
      const q = found?.video?.queryMatchPercent ?? 0;
      const c = found?.video?.comparedMatchPercent ?? 0;
      compared++;
      if (q.toFixed(4) !== row.pytx_query_pct || c.toFixed(4) !== row.pytx_compared_pct) {
        bad.push(`${row.query} vs ${row.compared}: ${q.toFixed(4)}/${c.toFixed(4)}`);
      }
    }
    console.log(`vPDQ bank matching: ${compared - bad.length}/${compared} match-matrix pairs reproduced`);
    expect(compared).toBe(256);
    expect(bad).toEqual([]);
  });
});
