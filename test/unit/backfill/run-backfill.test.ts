import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { FsObjectStore, openStateDir, type StateDir } from '../../../adapters/local';
import { isAlreadyScored } from '../../../core/backfill/already-scored';
import type { BackfillFilter } from '../../../core/backfill/backfill-filter';
import {
  type BackfillProgress,
  backfillRunKey,
  COST_CEILING,
  runBackfill,
} from '../../../core/backfill/run-backfill';
import type { CostModel } from '../../../core/cost/cost-model';
import type { Detector, TextContent } from '../../../core/detectors/detector';
import type { ScanJob, ScanSource } from '../../../core/pipeline/batch-scan';
import { ModerationEngine } from '../../../core/pipeline/moderation-engine';
import type { Verdict } from '../../../core/verdict/verdict';
import { testPolicy } from '../../helpers/test-policy';

/** One cent per scored item, a tenth of a cent per read. */
const prices: CostModel = {
  pricesVersion: 'test-prices',
  itemCost: (item) => (item.media === 'text' && item.tier === 'fast' ? 0.001 : 0.01),
  itemBreakdown: () => [],
};

function countingDetector(version = '1') {
  const calls: string[] = [];
  const detector: Detector = {
    id: 'spam-word',
    version,
    media: ['text'],
    tiers: ['fast', 'heavy'],
    detect: (input) => {
      const t = (input as TextContent).text;
      calls.push(t);
      return t.includes('spam')
        ? [{ detector: 'spam-word', category: 'spam', label: 's', score: 0.6, evidence: [] }]
        : [];
    },
  };
  return { detector, calls };
}

describe('runBackfill', () => {
  let work: string;
  let dir: string;
  let state: StateDir;
  let calls: string[];
  let engines: { fast: ModerationEngine; heavy: ModerationEngine };

  function makeEngines(version = '1') {
    const d = countingDetector(version);
    calls = d.calls;
    const policy = testPolicy();
    const heavy = new ModerationEngine({
      policy,
      tier: 'heavy',
      detectors: [d.detector],
      cache: state.cache,
    });
    const fast = new ModerationEngine({
      policy,
      tier: 'fast',
      tierFor: (m) => (m === 'audio' || m === 'video' ? 'heavy' : 'fast'),
      detectors: [d.detector],
      cache: state.cache,
      escalateTo: heavy,
    });
    engines = { fast, heavy };
  }

  function source(): ScanSource {
    return { id: pathToFileURL(dir).href, store: new FsObjectStore(dir) };
  }

  function run(
    extra: { filter?: BackfillFilter; maxCost?: number; onProgress?: (p: BackfillProgress) => void } = {},
  ) {
    const sources = [source()];
    const queue = state.queue<ScanJob>(
      `backfill-${backfillRunKey(sources, engines.fast, engines.heavy, extra.filter)}`,
      { maxReceives: 3 },
    );
    return runBackfill({
      sources,
      ...engines,
      queue,
      verdicts: state.verdicts,
      runs: state,
      costModel: prices,
      concurrency: 1,
      maxReceives: 3,
      ...extra,
    });
  }

  function write(key: string, body: string, mtime?: Date) {
    const path = join(dir, key);
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, body);
    if (mtime) utimesSync(path, mtime, mtime);
  }

  const uri = (key: string) => pathToFileURL(join(dir, key)).href;

  beforeEach(() => {
    work = mkdtempSync(join(tmpdir(), 'winnow-backfill-'));
    dir = join(work, 'in');
    mkdirSync(dir);
    state = openStateDir(join(work, 'state'));
    makeEngines();
  });
  afterEach(() => {
    state.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('takes only listed objects that pass the filter', async () => {
    const old = new Date('2020-01-01T00:00:00Z');
    const recent = new Date('2025-06-01T00:00:00Z');
    write('a/keep.txt', 'a message long enough', recent);
    write('a/short.txt', 'tiny', recent);
    write('a/old.txt', 'an old message, long enough', old);
    write('a/pic.jpg', 'not really a picture at all', recent);
    write('b/other.txt', 'outside the prefix entirely', recent);
    const report = await run({
      filter: {
        prefix: 'a/',
        suffixes: ['.TXT'],
        minBytes: 10,
        modifiedAfter: new Date('2024-01-01T00:00:00Z'),
      },
    });
    expect(report).toMatchObject({ listed: 1, scored: 1, skipped: 0, failed: 0, complete: true });
    expect(await state.verdicts.get(uri('a/keep.txt'))).toBeDefined();
    expect(await state.verdicts.get(uri('a/short.txt'))).toBeUndefined();
    expect(await state.verdicts.get(uri('b/other.txt'))).toBeUndefined();
  });

  it('skips unchanged objects already scored under the same policy and detectors, without reading them', async () => {
    for (let i = 0; i < 6; i++) write(`m${i}.txt`, `message number ${i}`);
    const first = await run();
    expect(first).toMatchObject({ listed: 6, scored: 6, skipped: 0, failed: 0 });
    expect(calls).toHaveLength(6);
    const v = (await state.verdicts.get(uri('m0.txt'))) as Verdict;
    expect(v.item.etag).toEqual(expect.any(String));
    expect(v.detectorsFingerprint).toEqual(expect.any(String));

    const second = await run();
    expect(second).toMatchObject({ listed: 6, scored: 0, skipped: 6, skippedUnchanged: 6, failed: 0 });
    expect(second.runId).not.toBe(first.runId);
    expect(second.estimatedCost).toBe(0);
    expect(calls).toHaveLength(6);

    // A changed object is scored again; the others are still skipped.
    write('m1.txt', 'message number 1, edited');
    utimesSync(join(dir, 'm1.txt'), new Date('2030-01-01'), new Date('2030-01-01'));
    const third = await run();
    expect(third).toMatchObject({ listed: 6, scored: 1, skipped: 5, failed: 0 });
    expect(calls).toHaveLength(7);

    // New detector versions: everything is scored again.
    makeEngines('2');
    const fourth = await run();
    expect(fourth).toMatchObject({ listed: 6, scored: 6, skipped: 0 });
  });

  it('counts identical bytes scored before (content-cache hits) as skipped', async () => {
    write('one.txt', 'the very same words');
    write('two.txt', 'the very same words');
    write('three.txt', 'different words here');
    const report = await run();
    expect(report).toMatchObject({ listed: 3, scored: 2, skipped: 1, skippedCached: 1, skippedUnchanged: 0 });
    expect(calls).toHaveLength(2);
  });

  it('stops cleanly before the next item would pass the cost ceiling, and a larger ceiling finishes the run', async () => {
    for (let i = 0; i < 10; i++) write(`m${i}.txt`, `message number ${i}`);
    const progress: BackfillProgress[] = [];
    const stopped = await run({ maxCost: 0.0045, onProgress: (p) => progress.push(p) });
    expect(stopped).toMatchObject({ complete: false, stopReason: COST_CEILING, scored: 4 });
    expect(stopped.estimatedCost).toBeCloseTo(0.004, 9);
    expect(progress.at(-1)?.estimatedCost).toBeCloseTo(0.004, 9);

    const finished = await run({ maxCost: 1 });
    expect(finished).toMatchObject({ complete: true, resumed: true, listed: 10, scored: 10, skipped: 0 });
    expect(finished.runId).toBe(stopped.runId);
    expect(finished.estimatedCost).toBeCloseTo(0.01, 9);
    expect(calls).toHaveLength(10);
  });

  it('counts a ceiling reached before the first item as a stop with nothing scored', async () => {
    write('m.txt', 'a message');
    const stopped = await run({ maxCost: 0 });
    expect(stopped).toMatchObject({ complete: false, stopReason: COST_CEILING, scored: 0, estimatedCost: 0 });
  });

  it('routes audio and video keys to the heavy tier and the rest to the fast tier', async () => {
    write('talk.mp3', 'speech transcript stand-in');
    write('note.txt', 'a plain note');
    const report = await run();
    expect(report.byTier).toEqual({ fast: 1, heavy: 1 });
    expect(((await state.verdicts.get(uri('talk.mp3'))) as Verdict).tier).toBe('heavy');
    expect(((await state.verdicts.get(uri('note.txt'))) as Verdict).tier).toBe('fast');
    // Priced as scored: a cent for the heavy tier, a tenth for fast text.
    expect(report.estimatedCost).toBeCloseTo(0.011, 9);
  });

  it('reports progress with a running cost and, once listed, an ETA', async () => {
    for (let i = 0; i < 5; i++) write(`m${i}.txt`, `message number ${i}`);
    const progress: BackfillProgress[] = [];
    await run({ onProgress: (p) => progress.push(p) });
    const last = progress.at(-1) as BackfillProgress;
    expect(last).toMatchObject({ listed: 5, listingDone: true, scored: 5, skipped: 0, failed: 0 });
    expect(last.estimatedCost).toBeCloseTo(0.005, 9);
    expect(progress.some((p) => p.etaSec !== undefined)).toBe(true);
  });
});

describe('isAlreadyScored', () => {
  const base = {
    item: { uri: 'u', sha256: '', media: 'text', format: 'plain', bytes: 1, etag: '"abc"' },
    decision: 'allow',
    detectorsFingerprint: 'fp',
  } as unknown as Verdict;

  it('matches the same etag (quoted or not) and fingerprint only', () => {
    expect(isAlreadyScored(base, { etag: 'abc', fingerprint: 'fp' })).toBe(true);
    expect(isAlreadyScored(base, { etag: '"abc"', fingerprint: 'fp' })).toBe(true);
    expect(isAlreadyScored(base, { etag: 'abd', fingerprint: 'fp' })).toBe(false);
    expect(isAlreadyScored(base, { etag: 'abc', fingerprint: 'other' })).toBe(false);
    expect(isAlreadyScored(base, { fingerprint: 'fp' })).toBe(false);
  });

  it('never skips errors, pending escalations or verdicts without an etag', () => {
    expect(
      isAlreadyScored({ ...base, decision: 'error' } as Verdict, { etag: 'abc', fingerprint: 'fp' }),
    ).toBe(false);
    expect(
      isAlreadyScored({ ...base, escalation: { status: 'pending', reason: 'r' } } as Verdict, {
        etag: 'abc',
        fingerprint: 'fp',
      }),
    ).toBe(false);
    expect(
      isAlreadyScored({ ...base, item: { ...base.item, etag: undefined } } as Verdict, {
        etag: 'abc',
        fingerprint: 'fp',
      }),
    ).toBe(false);
  });
});
