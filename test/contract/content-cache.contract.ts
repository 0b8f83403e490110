import type { ContentCache, ContentKey } from '../../core/ports/content-cache';
import { makeCachedResult } from './contract-helpers';

/** One fresh, empty cache under test. */
export interface ContentCacheFixture {
  readonly cache: ContentCache;
  cleanup(): Promise<void>;
}

const key = (over: Partial<ContentKey> = {}): ContentKey => ({
  sha256: 'b'.repeat(64),
  policyVersion: '2024-01',
  detectorsFingerprint: 'wordlist@1.0.0,lang@2',
  ...over,
});

/** The {@link ContentCache} contract, using only the port. */
export function describeContentCacheContract(
  name: string,
  factory: () => Promise<ContentCacheFixture>,
): void {
  describe(`ContentCache contract: ${name}`, () => {
    let fx: ContentCacheFixture | undefined;
    const open = async (): Promise<ContentCache> => {
      // A test may open more than one; only the latest is cleaned up after it, so clean up the previous now.
      await fx?.cleanup();
      fx = await factory();
      return fx.cache;
    };
    afterEach(async () => {
      await fx?.cleanup();
      fx = undefined;
    });

    it('misses an unknown key', async () => {
      const cache = await open();
      expect(await cache.get(key())).toBeUndefined();
    });

    it('returns what was put, and the latest put for a key', async () => {
      const cache = await open();
      const first = makeCachedResult('review');
      await cache.put(key(), first);
      expect(await cache.get(key())).toEqual(first);
      const second = makeCachedResult('error');
      await cache.put(key(), second);
      expect(await cache.get(key())).toEqual(second);
    });

    it('misses when any part of the key differs', async () => {
      const cache = await open();
      await cache.put(key(), makeCachedResult('block'));
      expect(await cache.get(key({ sha256: 'c'.repeat(64) }))).toBeUndefined();
      expect(await cache.get(key({ policyVersion: '2024-02' }))).toBeUndefined();
      expect(await cache.get(key({ detectorsFingerprint: 'wordlist@1.0.1,lang@2' }))).toBeUndefined();
    });
  });
}
