import { Readable } from 'node:stream';
import Database from 'better-sqlite3';
import { SqliteVerdictStore } from '../../../adapters/local';
import type { CostModel } from '../../../core/cost/cost-model';
import type { Detector, TextContent } from '../../../core/detectors/detector';
import type { ItemSource } from '../../../core/pipeline/moderation-engine';
import type { ItemResolver } from '../../../core/ports/item-resolver';

/** A text detector scoring `hate` 0.6 per "bad" word (capped at 1) and `spam` 0.3 when "buy" appears. */
export function wordDetector(version = '1', calls = { n: 0 }): Detector {
  return {
    id: 'words',
    version,
    media: ['text'],
    tiers: ['fast', 'heavy'],
    detect: (input) => {
      calls.n++;
      const t = (input as TextContent).normalized.text;
      const bad = t.split('bad').length - 1;
      const out = [];
      if (bad > 0)
        out.push({
          detector: 'words',
          category: 'hate',
          label: 'bad',
          score: Math.min(1, 0.6 * bad),
          evidence: [],
        });
      if (t.includes('buy'))
        out.push({ detector: 'words', category: 'spam', label: 'buy', score: 0.3, evidence: [] });
      return out;
    },
  };
}

/** Items in memory, by URI. */
export class MemoryResolver implements ItemResolver {
  opened = 0;
  constructor(readonly items: Map<string, string>) {}
  async resolve(uri: string): Promise<ItemSource> {
    const text = this.items.get(uri);
    if (text === undefined) throw new Error('no such item');
    const buf = Buffer.from(text);
    return {
      uri,
      size: buf.length,
      open: async () => {
        this.opened++;
        return Readable.from([buf]);
      },
    };
  }
}

/** A fixed price per item: one cent in the heavy tier, a tenth of a cent in the fast one. */
export const fixedCost: CostModel = {
  pricesVersion: 'test',
  itemCost: (i) =>
    (i.tier === 'heavy' ? 0.01 : 0.001) * (i.media === 'video' ? (i.durationSec ?? 60) / 60 : 1),
  itemBreakdown: () => [],
};

export function memoryVerdictStore(): SqliteVerdictStore {
  return new SqliteVerdictStore(new Database(':memory:'));
}
