/**
 * The hostile-input corpus (scripts/make-hostile-corpus.mjs) through the real, compiled engine: decompression bombs,
 * truncated and corrupt media, polyglots, SVG with external entities, playlists pointing elsewhere, degenerate video
 * and audio, hostile text and evasions. For every case: exactly one schema-valid verdict, the decision or error code
 * the manifest expects (an error with a reason), within the case's time and memory limits, and no crash. Then one
 * `winnow scan` of the whole corpus: one verdict per item, the same outcomes, exit code 0. A connection canary stands
 * behind every URL in the corpus and must see nothing.
 *
 * `npm test` runs the small scale; `npm run test:stress` (WINNOW_STRESS=1) the full one (a 16 MiB line, an 8000×8000
 * picture, ...). Both assert the same things. How time and memory are measured: test/stress/hostile-runner.ts.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type Verdict, VerdictSchema } from '../../core/verdict/verdict';
import { type ConnectionCanary, startConnectionCanary } from '../helpers/media-fixtures';
import { type CliResult, parseJsonl, runCli } from '../helpers/run-cli';
import { STRESS } from '../helpers/stress-scale';
import { type CaseRun, HostileRunner } from './hostile-runner';

const SCRIPT = join(__dirname, '../../scripts/make-hostile-corpus.mjs');

/** One case of manifest.json. */
interface HostileCase {
  readonly id: string;
  /** Relative to the corpus folder. */
  readonly file: string;
  readonly what: string;
  readonly expect: {
    readonly decision?: 'allow' | 'review' | 'block';
    readonly error?: string | readonly string[];
    readonly media?: string;
    /** Categories the verdict must flag (review or block). */
    readonly categories?: readonly string[];
  };
  readonly limits: { readonly wallMs: number; readonly rssMiB: number };
}

interface Manifest {
  readonly scale: 'small' | 'full';
  readonly input: string;
  readonly cases: readonly HostileCase[];
}

/** What the issue asks the corpus to hold, each as ids that must be in it. */
const REQUIRED: Record<string, readonly string[]> = {
  'a PNG of 60000×60000': ['png-60000x60000-header', 'png-20000x20000-inflating'],
  'a GIF with 10,000 frames': ['gif-10000-frames', 'gif-10000-frames-2000x2000-canvas'],
  'a zip bomb disguised as an image': ['zip-bomb-named-png', 'png-with-zip-bomb-appended'],
  'truncated and corrupt JPEG/PNG/WebP/MP4': [
    'jpeg-truncated',
    'png-truncated',
    'webp-truncated',
    'mp4-truncated',
    'jpeg-corrupt-scan',
    'png-corrupt-deflate',
    'webp-corrupt',
    'mp4-noise-samples',
  ],
  'a JPEG that is also HTML': ['polyglot-jpeg-html'],
  'SVG with external entities': ['svg-xxe-local-file', 'svg-xxe-remote'],
  'playlists referencing URLs or local files outside the input': [
    'hls-remote-segments',
    'hls-local-outside',
    'hls-behind-id3-local',
    'ffconcat-behind-id3-local',
  ],
  'a video with 0 frames, 10 hours, 50 audio streams': [
    'video-zero-frames',
    'video-ten-hours',
    'video-fifty-audio-streams',
  ],
  'text that is invalid UTF-8, 100 MB, or one giant line': [
    'text-invalid-utf8',
    'text-100mb',
    'text-giant-line',
  ],
  'RTL overrides and homoglyphs of banned words': [
    'rtl-override-word',
    'rtl-override-line',
    'homoglyph-cyrillic-greek',
    'homoglyph-compatibility',
  ],
};

/** Items moderated before measuring, so that model loading is not charged to the first case. */
const WARM_UP = ['control/plain-prose.txt', 'control/plain.png', 'control/plain-clip.mp4'];

/** Why a verdict does not meet its case's expectation, or undefined when it does. */
function mismatch(c: HostileCase, v: Verdict | undefined): string | undefined {
  if (!v) return 'no verdict';
  const parsed = VerdictSchema.safeParse(v);
  if (!parsed.success) return `schema: ${parsed.error.message.slice(0, 300)}`;
  const got = v.decision === 'error' ? `error ${v.error?.code}: ${v.error?.message}` : v.decision;
  const e = c.expect;
  if (e.error !== undefined) {
    const codes = typeof e.error === 'string' ? [e.error] : e.error;
    if (v.decision !== 'error' || !codes.includes(v.error?.code ?? '')) {
      return `expected error ${codes.join(' or ')}, got ${got}`;
    }
    if (!v.error?.message.trim()) return 'an error verdict without a reason';
  } else if (v.decision !== e.decision) {
    return `expected ${e.decision}, got ${got}`;
  }
  if (e.media !== undefined && v.item.media !== e.media)
    return `expected media ${e.media}, got ${v.item.media}`;
  const flagged = v.categories.filter((x) => x.decision !== 'allow').map((x) => x.id);
  const missing = (e.categories ?? []).filter((id) => !flagged.includes(id));
  if (missing.length > 0) return `expected ${missing.join(', ')} flagged, got [${flagged.join(', ')}]`;
  return undefined;
}

const round = (n: number) => (Number.isFinite(n) ? Math.round(n) : n);

describe(`hostile-input corpus (${STRESS ? 'full' : 'small'} scale) through the real engine`, () => {
  let work = '';
  let corpus = '';
  let manifest: Manifest;
  let canary: ConnectionCanary;
  let runner: HostileRunner | undefined;
  const runs = new Map<string, CaseRun>();
  let scan: CliResult;
  let scanned: Verdict[] = [];
  const timings: Record<string, number> = {};

  beforeAll(
    async () => {
      let t = Date.now();
      canary = await startConnectionCanary();
      work = mkdtempSync(join(tmpdir(), 'winnow-hostile-corpus-'));
      corpus = join(work, 'corpus');
      execFileSync(
        process.execPath,
        [SCRIPT, corpus, ...(STRESS ? ['--full'] : []), '--canary-url', canary.url],
        { stdio: ['ignore', 'ignore', 'inherit'] },
      );
      manifest = JSON.parse(readFileSync(join(corpus, 'manifest.json'), 'utf8')) as Manifest;
      timings.generate = Date.now() - t;

      t = Date.now();
      runner = await HostileRunner.start({ warmUp: WARM_UP.map((f) => join(corpus, 'cases', f)) });
      timings['engine start'] = Date.now() - t;
      t = Date.now();
      for (const c of manifest.cases) {
        const hangMs = Math.max(3 * c.limits.wallMs, c.limits.wallMs + 30_000);
        runs.set(c.id, await runner.run(c.id, join(corpus, c.file), hangMs));
      }
      timings.cases = Date.now() - t;
      await runner.stop();

      // The whole corpus through `winnow scan`, as a user would run it.
      t = Date.now();
      scan = await runCli(
        [
          'scan',
          join(corpus, manifest.input),
          '--out',
          join(work, 'out'),
          '--state-dir',
          join(work, 'state'),
          '--quiet',
        ],
        { cwd: work },
      );
      timings.scan = Date.now() - t;
      try {
        scanned = parseJsonl<Verdict>(readFileSync(join(work, 'out', 'verdicts.jsonl'), 'utf8'));
      } catch {
        scanned = [];
      }
    },
    STRESS ? 1_200_000 : 240_000,
  );

  afterAll(async () => {
    await runner?.stop();
    await canary?.close();
    if (work) rmSync(work, { recursive: true, force: true });
    if (manifest) {
      const rows = manifest.cases.map((c) => {
        const r = runs.get(c.id);
        const v = r?.verdict;
        const outcome = r?.crash ?? (v?.decision === 'error' ? `error ${v.error?.code}` : v?.decision);
        return `  ${c.id.padEnd(36)} ${String(outcome).padEnd(24)} ${String(round(r?.wallMs ?? Number.NaN)).padStart(6)} ms (≤ ${c.limits.wallMs})  ${String(round(r?.memoryMiB ?? Number.NaN)).padStart(5)} MiB (≤ ${c.limits.rssMiB}; engine ${round(r?.engineMiB ?? Number.NaN)}, ffmpeg ${round(r?.childMiB ?? Number.NaN)})`;
      });
      console.log(
        `hostile corpus (${manifest.scale}), engine baseline ${round(runner?.baselineMiB ?? 0)} MiB, ` +
          `ffmpeg memory by ${runner?.ffmpegMeasurement}; ` +
          `timings (ms): ${Object.entries(timings)
            .map(([k, v]) => `${k} ${v}`)
            .join(', ')}\n${rows.join('\n')}`,
      );
    }
  });

  it('holds at least 40 cases with unique ids and files, covering every kind the issue names', () => {
    expect(manifest.scale).toBe(STRESS ? 'full' : 'small');
    expect(manifest.cases.length).toBeGreaterThanOrEqual(40);
    expect(new Set(manifest.cases.map((c) => c.id)).size).toBe(manifest.cases.length);
    expect(new Set(manifest.cases.map((c) => c.file)).size).toBe(manifest.cases.length);
    const ids = new Set(manifest.cases.map((c) => c.id));
    const absent = Object.entries(REQUIRED).flatMap(([what, want]) =>
      want.filter((id) => !ids.has(id)).map((id) => `${what}: ${id}`),
    );
    expect(absent).toEqual([]);
    for (const c of manifest.cases) {
      expect(c.limits.wallMs).toBeGreaterThan(0);
      expect(c.limits.rssMiB).toBeGreaterThan(0);
      expect(c.what.length).toBeGreaterThan(0);
      expect(c.expect.decision !== undefined || c.expect.error !== undefined).toBe(true);
    }
    // The 100 MB text is 100 MB at both scales: the engine must refuse it by size, not read it all into memory.
    const huge = manifest.cases.find((c) => c.id === 'text-100mb') as HostileCase;
    expect(statSync(join(corpus, huge.file)).size).toBe(100 * 1024 * 1024);
  });

  it('every case: the engine process neither crashed nor hung, and the engine never threw', () => {
    const bad = manifest.cases.flatMap((c) => {
      const r = runs.get(c.id);
      if (!r) return [`${c.id}: not run`];
      if (r.crash) return [`${c.id}: ${r.crash}`];
      if (r.thrown) return [`${c.id}: threw ${r.thrown.slice(0, 300)}`];
      return [];
    });
    expect(bad).toEqual([]);
  });

  it('every case: exactly one schema-valid verdict, for that item', () => {
    const bad = manifest.cases.flatMap((c) => {
      const r = runs.get(c.id);
      if (r?.verdicts !== 1 || !r.verdict) return [`${c.id}: ${r?.verdicts ?? 0} verdicts`];
      const parsed = VerdictSchema.safeParse(r.verdict);
      if (!parsed.success) return [`${c.id}: ${parsed.error.message.slice(0, 300)}`];
      const uri = pathToFileURL(join(corpus, c.file)).href;
      return r.verdict.item.uri === uri ? [] : [`${c.id}: verdict for ${r.verdict.item.uri}`];
    });
    expect(bad).toEqual([]);
  });

  it('every case: the expected decision, or the expected error code with a reason', () => {
    const bad = manifest.cases.flatMap((c) => {
      const why = mismatch(c, runs.get(c.id)?.verdict);
      return why ? [`${c.id}: ${why}`] : [];
    });
    expect(bad).toEqual([]);
  });

  it('every case: within its time limit', () => {
    const bad = manifest.cases.flatMap((c) => {
      const r = runs.get(c.id);
      return r && r.wallMs <= c.limits.wallMs
        ? []
        : [`${c.id}: ${round(r?.wallMs ?? Number.NaN)} ms > ${c.limits.wallMs} ms`];
    });
    expect(bad).toEqual([]);
  });

  it('every case: within its memory limit (engine growth plus its largest ffmpeg)', () => {
    const bad = manifest.cases.flatMap((c) => {
      const r = runs.get(c.id);
      return r && r.memoryMiB <= c.limits.rssMiB
        ? []
        : [
            `${c.id}: ${round(r?.memoryMiB ?? Number.NaN)} MiB > ${c.limits.rssMiB} MiB (engine ${round(r?.engineMiB ?? Number.NaN)}, ffmpeg ${round(r?.childMiB ?? Number.NaN)})`,
          ];
    });
    expect(bad).toEqual([]);
  });

  it('the memory measurement sees ffmpeg: the cases that probe media ran at least one child process', () => {
    // Sampling alone can miss a probe of a few milliseconds; the GNU time wrapper sees every run.
    const probed =
      runner?.ffmpegMeasurement === 'time+sampling'
        ? ['video-ten-hours', 'mp4-truncated', 'hls-behind-id3-local', 'control-plain-clip']
        : ['control-plain-clip'];
    expect(probed.filter((id) => (runs.get(id)?.children ?? 0) === 0)).toEqual([]);
    // ... and refusals from the sniffed head start none.
    const refused = ['zip-bomb-named-png', 'hls-remote-segments', 'text-100mb', 'text-nul-prefixed'];
    expect(refused.filter((id) => (runs.get(id)?.children ?? 0) > 0)).toEqual([]);
  });

  it('no item, URL or entity in the corpus made anything connect to the canary', async () => {
    await new Promise((r) => setTimeout(r, 200));
    expect(canary.connections()).toBe(0);
  });

  describe('winnow scan of the whole corpus', () => {
    it('exits 0 and writes one verdict per item: count in equals count out', () => {
      // Damaged media log a warning per failed detector on stderr; the exit code is what a caller acts on.
      expect({ code: scan.code, stderr: scan.code === 0 ? '' : scan.stderr.slice(-2000) }).toEqual({
        code: 0,
        stderr: '',
      });
      const files = listFiles(join(corpus, manifest.input)).sort();
      expect(files).toEqual(manifest.cases.map((c) => c.file.slice(manifest.input.length + 1)).sort());
      const inputUrl = pathToFileURL(join(corpus, manifest.input)).href;
      const names = scanned.map((v) => decodeURIComponent(v.item.uri.slice(inputUrl.length + 1)));
      expect(names.sort()).toEqual(files);
      expect(scanned).toHaveLength(files.length);
    });

    it('gives every item the outcome the manifest expects', () => {
      const byFile = new Map(
        scanned.map((v) => [relative(corpus, fileURLToPath(v.item.uri)).split(sep).join('/'), v]),
      );
      const bad = manifest.cases.flatMap((c) => {
        const why = mismatch(c, byFile.get(c.file));
        return why ? [`${c.id}: ${why}`] : [];
      });
      expect(bad).toEqual([]);
    });
  });
});

/** Every file under `dir`, as paths relative to it with `/`. */
function listFiles(dir: string, prefix = ''): string[] {
  return readdirSync(join(dir, prefix), { withFileTypes: true }).flatMap((e) => {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    return e.isDirectory() ? listFiles(dir, rel) : [rel];
  });
}
