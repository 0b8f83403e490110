import { ProgressBar, scanProgressView } from '../../../cli/progress';
import type { ScanProgress } from '../../../core/pipeline/batch-scan';

function fakeStream(isTTY: boolean) {
  const writes: string[] = [];
  return { writes, stream: { isTTY, write: (s: string) => writes.push(s) } as unknown as NodeJS.WriteStream };
}

const progress = (done: number, elapsedMs: number): ScanProgress => ({
  runId: 'r',
  listed: 100,
  listingDone: true,
  done,
  decisions: { allow: done - 3, review: 2, block: 1, error: 0 },
  elapsedMs,
});

describe('ProgressBar', () => {
  afterEach(() => jest.useRealTimers());

  it('redraws one line on a terminal and clears it at the end', () => {
    const { writes, stream } = fakeStream(true);
    const bar = new ProgressBar(scanProgressView, stream);
    bar.update(progress(50, 1000));
    expect(writes[0]?.startsWith('\r\x1b[K')).toBe(true);
    expect(writes[0]?.slice(4)).toMatch(/^█+░+ 50\/100 · 50\.0 items\/s · flagged 3 · errors 0 · eta 1s$/);
    bar.finish();
    expect(writes.at(-1)).toBe('\r\x1b[K');
  });

  it('prints a plain line at most every ten seconds when not on a terminal', () => {
    jest.useFakeTimers({ now: 0 });
    const { writes, stream } = fakeStream(false);
    const bar = new ProgressBar(scanProgressView, stream);
    bar.update(progress(10, 1000));
    expect(writes).toEqual([]);
    jest.setSystemTime(10_001);
    bar.update(progress(60, 10_001));
    jest.setSystemTime(12_000);
    bar.update(progress(70, 12_000));
    expect(writes).toEqual(['winnow: 60/100 · 6.0 items/s · flagged 3 · errors 0 · eta 7s\n']);
    bar.finish();
    expect(writes).toHaveLength(1);
  });
});
