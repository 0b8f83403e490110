import type { Verdict } from '../../core/verdict/verdict';

/** Deep-partial overrides for {@link reportVerdict}. */
export type VerdictOverrides = Partial<Omit<Verdict, 'item'>> & { item?: Partial<Verdict['item']> };

/** A valid v1 verdict for report tests: an allowed text item unless overridden. */
export function reportVerdict(overrides: VerdictOverrides = {}): Verdict {
  const { item, ...rest } = overrides;
  const decision = rest.decision ?? 'allow';
  return {
    schema: 'winnow.verdict/v1',
    item: {
      uri: 'file:///data/item.txt',
      sha256: 'a'.repeat(64),
      media: 'text',
      format: 'utf-8',
      bytes: 10,
      ...item,
    },
    decision,
    categories: [],
    segments: [],
    signals: [],
    detectors: [{ id: 'text-decode', version: '1.0.0', status: 'ok' }],
    policy: { id: 'default', version: '1' },
    tier: 'fast',
    actions: [],
    cached: false,
    runId: 'run-1',
    createdAt: '2026-11-25T23:00:00.000Z',
    ...(decision === 'error' ? { error: { code: 'unreadable', message: 'missing', retryable: false } } : {}),
    ...rest,
  };
}
