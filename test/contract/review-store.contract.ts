import type { ReviewDecision, ReviewStore } from '../../core/ports/review-store';

/** One fresh, empty review store under test. */
export interface ReviewStoreFixture {
  readonly store: ReviewStore;
  cleanup(): Promise<void>;
}

/** A decision with defaults for the fields a test does not care about. */
export function makeDecision(spec: Partial<ReviewDecision> & { readonly uri: string }): ReviewDecision {
  return {
    policyVersion: '2024-01',
    decision: 'block',
    categories: ['profanity'],
    reason: 'abusive',
    reviewer: 'alice',
    decidedAt: '2024-05-01T12:00:00.000Z',
    ...spec,
  };
}

/** The {@link ReviewStore} contract, using only the port. */
export function describeReviewStoreContract(name: string, factory: () => Promise<ReviewStoreFixture>): void {
  describe(`ReviewStore contract: ${name}`, () => {
    let fx: ReviewStoreFixture;
    beforeEach(async () => {
      fx = await factory();
    });
    afterEach(async () => {
      await fx.cleanup();
    });

    it('starts empty', async () => {
      expect(await fx.store.history()).toEqual([]);
      expect(await fx.store.latest()).toEqual([]);
    });

    it('keeps every decision, oldest first, with every field as recorded', async () => {
      const a = makeDecision({
        uri: 'file:///a.txt',
        reason: 'line one\nline two',
        categories: ['hate', 'violence'],
      });
      const b = makeDecision({
        uri: 'file:///b.txt',
        decision: 'allow',
        reviewer: 'bob',
        decidedAt: '2024-05-01T12:01:00.000Z',
      });
      const a2 = makeDecision({
        uri: 'file:///a.txt',
        decision: 'allow',
        reason: 'on second look',
        decidedAt: '2024-05-01T12:02:00.000Z',
      });
      for (const d of [a, b, a2]) await fx.store.record(d);
      expect(await fx.store.history()).toEqual([a, b, a2]);
      expect(await fx.store.history({ uri: 'file:///a.txt' })).toEqual([a, a2]);
      expect(await fx.store.history({ uri: 'file:///none' })).toEqual([]);
    });

    it('latest gives the last decision per item and policy version', async () => {
      const v1 = makeDecision({ uri: 'file:///a.txt', policyVersion: '1', decision: 'block' });
      const v2 = makeDecision({ uri: 'file:///a.txt', policyVersion: '2', decision: 'block' });
      const v1again = makeDecision({
        uri: 'file:///a.txt',
        policyVersion: '1',
        decision: 'allow',
        reviewer: 'bob',
      });
      for (const d of [v1, v2, v1again]) await fx.store.record(d);
      const latest = await fx.store.latest();
      expect(latest).toHaveLength(2);
      expect(latest).toEqual(expect.arrayContaining([v2, v1again]));
    });

    it('keeps odd URIs and reasons byte for byte', async () => {
      const d = makeDecision({
        uri: 'file:///tmp/%22%3E%3Cimg%20src%3Dx%3E.txt',
        reason: '<script>alert(1)</script> \u202e “quoted” 🙂',
      });
      await fx.store.record(d);
      expect(await fx.store.history({ uri: d.uri })).toEqual([d]);
    });
  });
}
