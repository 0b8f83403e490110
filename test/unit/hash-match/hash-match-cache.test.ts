import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { openStateDir, SqliteHashBankStore, type StateDir } from '../../../adapters/local';
import { BankMatcher } from '../../../core/banks/bank-matcher';
import { createHashMatchDetectors } from '../../../core/detectors/hash/hash-match-detector';
import { wordsToPdqHex } from '../../../core/hash/hamming';
import { pdqHashImage } from '../../../core/hash/pdq-image';
import { type ItemSource, ModerationEngine } from '../../../core/pipeline/moderation-engine';
import { testPolicy } from '../../helpers/test-policy';

const IMAGE = join(__dirname, '../../../examples/images/drawing.png');

describe('hash matching and the content cache', () => {
  let dir: string;
  let state: StateDir;
  afterEach(() => {
    state?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('never returns a cached result matched against other bank versions', async () => {
    dir = mkdtempSync(join(tmpdir(), 'winnow-hash-cache-'));
    state = openStateDir(dir);
    const store = new SqliteHashBankStore(state);
    const engine = new ModerationEngine({
      policy: testPolicy(),
      tier: 'fast',
      detectors: createHashMatchDetectors({ banks: new BankMatcher(store, { refreshIntervalMs: 0 }) }),
      cache: state.cache,
    });
    const bytes = readFileSync(IMAGE);
    const source: ItemSource = {
      uri: 'file:///drawing.png',
      size: bytes.length,
      open: async () => Readable.from(bytes),
    };
    const pdq = wordsToPdqHex((await pdqHashImage(bytes)).hash);

    const noBanks = await engine.moderate(source);
    expect([noBanks.decision, noBanks.cached]).toEqual(['allow', false]);
    expect(noBanks.detectors).toEqual([
      expect.objectContaining({ id: 'image-decode' }),
      expect.objectContaining({ id: 'hash-match', status: 'ok', reason: 'no banks' }),
    ]);

    await store.putBank('known');
    await store.addEntries('known', [{ hash: pdq, kind: 'pdq' }]);
    const matched = await engine.moderate(source);
    expect([matched.decision, matched.cached, matched.actions]).toEqual([
      'block',
      false,
      ['tag', 'quarantine', 'notify'],
    ]);
    expect(matched.signals.map((s) => s.label)).toEqual(['known']);
    expect((await engine.moderate(source)).cached).toBe(true);

    await store.removeEntries('known', [{ hash: pdq, kind: 'pdq' }]);
    const removed = await engine.moderate(source);
    expect([removed.decision, removed.cached, removed.signals]).toEqual(['allow', false, []]);
    const again = await engine.moderate(source);
    expect([again.decision, again.cached]).toEqual(['allow', true]);
  });
});
