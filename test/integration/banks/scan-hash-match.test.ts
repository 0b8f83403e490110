import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { wordsToPdqHex } from '../../../core/hash/hamming';
import { pdqHashImage } from '../../../core/hash/pdq-image';
import { vpdqHashVideo } from '../../../core/hash/vpdq';
import type { Verdict } from '../../../core/verdict/verdict';
import { parseJsonl, runCli } from '../../helpers/run-cli';

const IMAGES = join(__dirname, '../../../examples/images');
const VIDEO = join(__dirname, '../../../examples/video/clip.mp4');

describe('winnow scan with a hash bank', () => {
  let work: string;
  let items: string;
  let stateDir: string;
  let pdq: string;

  const cli = async (...args: string[]) => {
    const res = await runCli([...args, '--state-dir', stateDir], { cwd: work });
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    return res;
  };
  const scan = async (out: string): Promise<Map<string, Verdict>> => {
    await cli('scan', items, '--out', join(work, out), '--quiet');
    const verdicts = parseJsonl<Verdict>(readFileSync(join(work, out, 'verdicts.jsonl'), 'utf8'));
    return new Map(verdicts.map((v) => [v.item.uri.split('/').pop() as string, v]));
  };

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'winnow-scan-banks-'));
    items = join(work, 'items');
    stateDir = join(work, 'state');
    mkdirSync(items);
    for (const name of ['drawing.png', 'meme.png']) copyFileSync(join(IMAGES, name), join(items, name));
    pdq = wordsToPdqHex((await pdqHashImage(readFileSync(join(IMAGES, 'drawing.png')))).hash);
    writeFileSync(join(work, 'known.txt'), `${pdq}\n`);
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('blocks an image whose PDQ is in a bank, and stops once the hash is removed', async () => {
    await cli('bank', 'import', 'known', join(work, 'known.txt'), '--kind', 'pdq', '--label', 'test-set');

    const first = await scan('out-1');
    const drawing = first.get('drawing.png');
    expect(drawing?.decision).toBe('block');
    expect(drawing?.actions).toEqual(expect.arrayContaining(['quarantine', 'notify']));
    expect(drawing?.categories).toContainEqual({ id: 'hash-match', score: 1, decision: 'block' });
    const signal = drawing?.signals.find((s) => s.detector === 'hash-match');
    expect(signal).toEqual({
      detector: 'hash-match',
      category: 'hash-match',
      label: 'known:test-set',
      score: 1,
      evidence: [{ kind: 'note', text: `bank known, label test-set, pdq distance 0, matched ${pdq}` }],
    });
    const meme = first.get('meme.png');
    expect(meme?.signals.filter((s) => s.detector === 'hash-match')).toEqual([]);
    expect(meme?.detectors).toContainEqual(expect.objectContaining({ id: 'hash-match', status: 'ok' }));

    // Same bytes, same state dir (and content cache): the result follows the bank.
    await cli('bank', 'remove', 'known', pdq, '--kind', 'pdq');
    const second = await scan('out-2');
    expect(second.get('drawing.png')?.signals.filter((s) => s.detector === 'hash-match')).toEqual([]);
    expect(second.get('drawing.png')?.decision).toBe('allow');
  }, 60_000);

  it('blocks a video that matches a whole-video (vPDQ) bank entry, with both match percentages', async () => {
    // The bank entry: every frame of the clip, in the reference hasher's output format.
    const { frames } = await vpdqHashVideo(VIDEO, { secondsPerHash: 0 });
    const lines = frames.map(
      (f) => `${f.frame},${f.quality},${wordsToPdqHex(f.hash)},${f.timestamp.toFixed(3)}`,
    );
    writeFileSync(join(work, 'clip-vpdq.txt'), `${lines.join('\n')}\n`);
    const imported = await cli(
      'bank',
      'import',
      'known-videos',
      join(work, 'clip-vpdq.txt'),
      '--label',
      'clip',
    );
    expect(imported.stdout).toMatch(/1 added/);

    const matched = await runCli(
      ['bank', 'match', '--kind', 'vpdq', '--file', join(work, 'clip-vpdq.txt'), '--state-dir', stateDir],
      { cwd: work },
    );
    expect(matched.code).toBe(0);
    expect(matched.stdout).toMatch(/known-videos {2}100\.0% of the query's frames, 100\.0% of the entry's/);

    const videos = join(work, 'videos');
    mkdirSync(videos);
    copyFileSync(VIDEO, join(videos, 'clip.mp4'));
    await cli('scan', videos, '--out', join(work, 'out-video'), '--quiet');
    const [verdict] = parseJsonl<Verdict>(readFileSync(join(work, 'out-video', 'verdicts.jsonl'), 'utf8'));
    expect(verdict?.decision).toBe('block');
    const whole = verdict?.signals.find(
      (s) => s.detector === 'hash-match' && s.label === 'known-videos:clip',
    );
    expect(whole?.category).toBe('hash-match');
    // Hashed at one frame a second, the scan's frames all lie within the radius of the entry's.
    expect(whole?.evidence[0]).toEqual({
      kind: 'note',
      text: expect.stringMatching(
        /^bank known-videos, label clip, whole video \(vpdq [0-9a-f]{16}\): 100\.0% of \d+ frames here match, [\d.]+% of the entry's \d+, closest frame distance \d+$/,
      ),
    });
  }, 120_000);
});
