import type { Readable } from 'node:stream';
import { setTimeout as delay } from 'node:timers/promises';
import type { CachedResult, Decision, Verdict } from '../../core/verdict/verdict';
import { VERDICT_SCHEMA_ID, VerdictSchema } from '../../core/verdict/verdict';

/** Waits `ms` milliseconds. */
export const sleep = (ms: number): Promise<void> => delay(ms);

/** Reads a stream to the end. */
export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream)
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks);
}

/**
 * Retries an assertion until it passes or `timeoutMs` runs out, for backends whose counts are only eventually
 * consistent (SQS's approximate depth).
 */
export async function eventually(assertion: () => Promise<void>, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await assertion();
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await sleep(100);
    }
  }
}

/** Fields a test verdict may vary. */
export interface VerdictSpec {
  readonly uri: string;
  readonly decision?: Decision;
  readonly categories?: Readonly<Record<string, 'allow' | 'review' | 'block'>>;
  readonly runId?: string;
  readonly policyId?: string;
  readonly policyVersion?: string;
  readonly createdAt?: string;
}

/** A valid v1 verdict (checked against the schema) built from a few fields. */
export function makeVerdict(spec: VerdictSpec): Verdict {
  const decision = spec.decision ?? 'allow';
  const verdict: Verdict = {
    schema: VERDICT_SCHEMA_ID,
    item: { uri: spec.uri, sha256: 'a'.repeat(64), media: 'text', format: 'text/plain', bytes: 12 },
    decision,
    categories: Object.entries(spec.categories ?? {}).map(([id, d]) => ({
      id,
      score: d === 'block' ? 0.95 : d === 'review' ? 0.6 : 0.1,
      decision: d,
    })),
    segments: [],
    signals: [{ detector: 'wordlist', category: 'profanity', label: 'hit', score: 0.5, evidence: [] }],
    detectors: [{ id: 'wordlist', version: '1.0.0', status: 'ok', durationMs: 1 }],
    policy: { id: spec.policyId ?? 'default', version: spec.policyVersion ?? '2024-01' },
    tier: 'fast',
    actions: decision === 'block' ? ['hide'] : [],
    ...(decision === 'error' ? { error: { code: 'unreadable', message: 'ENOENT', retryable: false } } : {}),
    cached: false,
    ...(spec.runId ? { runId: spec.runId } : {}),
    createdAt: spec.createdAt ?? '2024-05-01T12:00:00.000Z',
  };
  return VerdictSchema.parse(verdict);
}

/** A cached result for cache tests. */
export function makeCachedResult(decision: Decision = 'review'): CachedResult {
  const v = makeVerdict({
    uri: 'file:///x',
    decision,
    categories: { harassment: decision === 'error' ? 'allow' : 'review' },
  });
  return {
    decision: v.decision,
    categories: v.categories,
    segments: v.segments,
    signals: v.signals,
    detectors: v.detectors,
    actions: v.actions,
    tier: v.tier,
    ...(v.error ? { error: v.error } : {}),
  };
}
