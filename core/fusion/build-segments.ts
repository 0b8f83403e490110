import { decideScore } from '../policy/evaluate-policy';
import type { Policy } from '../policy/policy';
import type { Evidence, Signal } from '../signals';
import type { CategoryResult, Segment } from '../verdict/verdict';

/** Notes and regions copied from one signal into its segment. */
const CONTEXT_PER_SIGNAL = 4;
/** Evidence kept per segment (time ranges first, in order). */
const EVIDENCE_PER_SEGMENT = 24;

/**
 * Fuses signals with time evidence into a timeline: time ranges that overlap (across detectors and categories)
 * merge into one segment whose category scores are the highest seen in it, decided by the policy. Sorted by start.
 * A segment's evidence is its time ranges with the notes and regions of the signals behind them (transcript
 * excerpts, text read on screen), capped.
 * Informational signals and categories the policy does not define are left out.
 */
export function buildSegments(policy: Policy, signals: readonly Signal[]): Segment[] {
  const categories = new Map(policy.categories.map((c) => [c.id, c]));
  const ranges: { start: number; end: number; category: string; score: number; evidence: Evidence[] }[] = [];
  for (const s of signals) {
    if (s.category === null || !categories.has(s.category)) continue;
    // What a reviewer needs at that moment besides the time: the transcript excerpt, the text read on screen.
    const context = s.evidence
      .filter((e) => e.kind === 'note' || e.kind === 'region')
      .slice(0, CONTEXT_PER_SIGNAL);
    for (const e of s.evidence) {
      if (e.kind === 'time') {
        ranges.push({
          start: e.start,
          end: e.end,
          category: s.category,
          score: s.score,
          evidence: [e, ...context],
        });
      }
    }
  }
  ranges.sort((a, b) => a.start - b.start || a.end - b.end);

  const segments: Segment[] = [];
  let current: { start: number; end: number; scores: Map<string, number>; evidence: Evidence[] } | undefined;
  const flush = () => {
    if (!current) return;
    const cats: CategoryResult[] = [];
    for (const c of policy.categories) {
      const score = current.scores.get(c.id);
      if (score !== undefined) cats.push({ id: c.id, score, decision: decideScore(c, score) });
    }
    segments.push({ start: current.start, end: current.end, categories: cats, evidence: current.evidence });
  };
  for (const r of ranges) {
    if (!current || r.start > current.end) {
      flush();
      current = { start: r.start, end: r.end, scores: new Map(), evidence: [] };
    }
    current.end = Math.max(current.end, r.end);
    current.scores.set(r.category, Math.max(current.scores.get(r.category) ?? 0, r.score));
    for (const e of r.evidence) {
      if (current.evidence.length < EVIDENCE_PER_SEGMENT) current.evidence.push(e);
    }
  }
  flush();
  return segments;
}
