import { parsePolicy } from '../../core/policy/load-policy';
import type { Policy } from '../../core/policy/policy';

/** A small valid policy for unit tests. */
export function testPolicy(overrides: Partial<Record<string, unknown>> = {}): Policy {
  return parsePolicy({
    id: 'test',
    version: '1',
    categories: [
      {
        id: 'hate',
        thresholds: { review: 0.5, block: 0.85 },
        actions: { review: ['tag'], block: ['tag', 'quarantine'] },
      },
      { id: 'pii', thresholds: { review: 0.5, block: 0.9 }, actions: { review: ['notify'] } },
      { id: 'spam', thresholds: { review: 0.5, block: 0.85 } },
    ],
    ...overrides,
  });
}
