import { ModerationEngine } from '../../../core/pipeline/moderation-engine';
import { runRescanSweep } from '../../../core/sweep/rescan-sweep';
import type { Verdict } from '../../../core/verdict/verdict';
import { testPolicy } from '../../helpers/test-policy';
import { fixedCost, MemoryResolver, memoryVerdictStore, wordDetector } from './sweep-fixtures';

const items = new Map([
  ['file:///i/1.txt', 'bad'],
  ['file:///i/2.txt', 'fine'],
  ['file:///keep/3.txt', 'buy this'],
]);

async function scanned() {
  const verdicts = memoryVerdictStore();
  const resolver = new MemoryResolver(items);
  const engine = new ModerationEngine({ policy: testPolicy(), tier: 'fast', detectors: [wordDetector('1')] });
  for (const uri of items.keys()) await verdicts.put(await engine.moderate(await resolver.resolve(uri)));
  resolver.opened = 0;
  return { verdicts, resolver };
}

describe('runRescanSweep with a queue, a budget and a selection', () => {
  const engine = new ModerationEngine({
    policy: testPolicy({ version: '2' }),
    tier: 'fast',
    detectors: [wordDetector('2')],
  });

  it('hands the items the queue takes to it instead of scoring them, and prices them', async () => {
    const { verdicts, resolver } = await scanned();
    const sent: string[] = [];
    const queue = {
      takes: (v: Verdict) => v.item.uri.endsWith('2.txt'),
      send: async (v: Verdict, ctx: { runId: string }) => {
        sent.push(`${v.item.uri} ${ctx.runId}`);
      },
    };
    const dry = await runRescanSweep({ verdicts, target: engine, costModel: fixedCost, dryRun: true, queue });
    expect(dry).toMatchObject({ rescored: 2, queued: 1, modelRuns: 0 });
    expect(sent).toEqual([]);

    const r = await runRescanSweep({
      verdicts,
      target: engine,
      engine,
      resolver,
      costModel: fixedCost,
      queue,
      runId: 'sweep-q',
    });
    expect(r).toMatchObject({ examined: 3, rescored: 2, queued: 1, modelRuns: 2, failed: 0 });
    expect(r.estimatedCost).toBeCloseTo(0.003);
    expect(sent).toEqual(['file:///i/2.txt sweep-q']);
    // The queued item keeps its verdict until the other scorer writes one.
    expect((await verdicts.get('file:///i/2.txt'))?.policy.version).toBe('1');
  });

  it('counts an item it cannot queue as failed and goes on', async () => {
    const { verdicts, resolver } = await scanned();
    const r = await runRescanSweep({
      verdicts,
      target: engine,
      engine,
      resolver,
      costModel: fixedCost,
      queue: {
        takes: (v) => v.item.uri.endsWith('1.txt'),
        send: async () => {
          throw new Error('queue down');
        },
      },
    });
    expect(r).toMatchObject({ queued: 0, failed: 1, rescored: 2 });
  });

  it('sweeps only the verdicts `select` accepts', async () => {
    const { verdicts, resolver } = await scanned();
    const r = await runRescanSweep({
      verdicts,
      target: engine,
      engine,
      resolver,
      costModel: fixedCost,
      select: (v) => v.item.uri.startsWith('file:///i/'),
    });
    expect(r).toMatchObject({ examined: 2, rescored: 2 });
    expect((await verdicts.get('file:///keep/3.txt'))?.policy.version).toBe('1');
  });

  it('defers the re-scores past maxCost and still re-decides', async () => {
    const { verdicts, resolver } = await scanned();
    // Item 1 is re-scored under new detectors; the others only need the new thresholds of version 3.
    const mixed = new ModerationEngine({
      policy: testPolicy({ version: '3' }),
      tier: 'fast',
      detectors: [wordDetector('1')],
    });
    const v1 = await verdicts.get('file:///i/1.txt');
    await verdicts.put({ ...(v1 as Verdict), policy: { id: 'test', version: '1' } });
    const r = await runRescanSweep({
      verdicts,
      target: mixed,
      engine: mixed,
      resolver,
      costModel: fixedCost,
      maxCost: 0.0005,
    });
    expect(r).toMatchObject({ examined: 3, redecided: 2, rescored: 0, deferred: 1, complete: false });
    expect(r.estimatedCost).toBe(0);
    expect((await verdicts.get('file:///i/1.txt'))?.policy.version).toBe('1');
  });
});
