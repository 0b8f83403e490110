import type { Detector, TextContent } from '../../../core/detectors/detector';
import type { LabelledDataset, LabelledItem } from '../../../core/eval/labelled-item';
import { runEval } from '../../../core/eval/run-eval';
import { scoreItems, textItemUri } from '../../../core/eval/score-items';
import { ModerationEngine } from '../../../core/pipeline/moderation-engine';
import type { ItemResolver } from '../../../core/ports/item-resolver';
import { testPolicy } from '../../helpers/test-policy';

/** Scores `spam` 0.9 for texts containing "offer", 0.6 for "deal". */
const spamWords: Detector = {
  id: 'spam-words',
  version: '1',
  media: ['text'],
  tiers: ['fast'],
  detect: (input) => {
    const text = (input as TextContent).text;
    const score = text.includes('offer') ? 0.9 : text.includes('deal') ? 0.6 : 0;
    return score > 0 ? [{ detector: 'spam-words', category: 'spam', label: 'w', score, evidence: [] }] : [];
  },
};

const policy = testPolicy();
const engine = new ModerationEngine({ policy, tier: 'fast', detectors: [spamWords] });

const item = (
  id: string,
  text: string,
  spam: 0 | 1,
  split: LabelledItem['split'] = 'test',
): LabelledItem => ({
  id,
  text,
  labels: { spam },
  split,
});

describe('scoreItems', () => {
  it('moderates in-memory texts through the engine and keeps each category score, in row order', async () => {
    const seen: string[] = [];
    const progress: number[] = [];
    const rows = [item('a', 'a special offer', 1), item('b', 'a good deal', 0), item('c', 'hello there', 0)];
    const scored = await scoreItems(rows, {
      engine,
      dataset: 'toy',
      concurrency: 2,
      onVerdict: (v) => seen.push(v.item.uri),
      onProgress: (done) => progress.push(done),
    });
    expect(scored.map((s) => [s.item.id, s.scores])).toEqual([
      ['a', { spam: 0.9 }],
      ['b', { spam: 0.6 }],
      ['c', {}],
    ]);
    expect(seen.sort()).toEqual([textItemUri('toy', 'a'), textItemUri('toy', 'b'), textItemUri('toy', 'c')]);
    expect(progress).toEqual([1, 2, 3]);
  });

  it('records error verdicts with their code: an empty text, and a uri the resolver refuses', async () => {
    const refusing: ItemResolver = {
      resolve: async () => {
        throw new Error('outside the roots');
      },
    };
    const scored = await scoreItems(
      [item('e', '', 0), { id: 'u', uri: '/nowhere/x.txt', labels: { spam: 0 }, split: 'test' }],
      { engine, dataset: 'toy', resolver: refusing },
    );
    expect(scored.map((s) => [s.scores, s.errorCode])).toEqual([
      [null, 'empty-item'],
      [null, 'unreadable'],
    ]);
  });
});

describe('runEval', () => {
  const dataset: LabelledDataset = {
    name: 'toy',
    categories: ['spam'],
    items: [
      item('1', 'limited offer', 1),
      item('2', 'nice deal', 0),
      item('3', 'nothing here', 1),
      item('4', 'offer inside', 1, 'train'),
    ],
  };

  it('evaluates only the chosen split, at the policy thresholds', async () => {
    const report = await runEval(dataset, { engine, policy, split: 'test' });
    expect(report.rows).toBe(3);
    expect(report.categories.spam).toMatchObject({ support: 2, negatives: 1, precision: 0.5, recall: 0.5 });
    // Ranking: 0.9 (pos), 0.6 (neg), 0 (pos) → 1·1/2 + 2/3·1/2.
    expect(report.categories.spam?.auprc).toBeCloseTo(0.5 + 1 / 3, 12);
    expect((await runEval(dataset, { engine, policy, split: 'all', limit: 2 })).rows).toBe(2);
  });

  it('refuses a split without rows', async () => {
    await expect(runEval(dataset, { engine, policy, split: 'validation' })).rejects.toThrow(/no rows/);
  });
});
