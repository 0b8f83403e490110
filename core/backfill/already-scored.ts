import type { Verdict } from '../verdict/verdict';

/** What an object is now, as listed, and what would score it. */
export interface CurrentVersion {
  /** The object's version tag as listed; without one nothing can be skipped unread. */
  readonly etag?: string;
  /** {@link backfillFingerprint} of the engines that would score it now. */
  readonly fingerprint: string;
}

/**
 * True when a stored verdict (looked up under the current policy version) already stands for the object as it is
 * now: same etag, same detector and model fingerprint, a real decision (not `error`), and not waiting for the
 * heavy tier. Verdicts written before etags and fingerprints were recorded never match.
 */
export function isAlreadyScored(verdict: Verdict, current: CurrentVersion): boolean {
  const recorded = verdict.item.etag;
  if (current.etag === undefined || recorded === undefined || unquote(recorded) !== unquote(current.etag)) {
    return false;
  }
  if (verdict.detectorsFingerprint !== current.fingerprint) return false;
  if (verdict.decision === 'error') return false;
  return verdict.escalation?.status !== 'pending';
}

/** S3 listings quote ETags and inventories do not; the same object must compare equal through either. */
function unquote(etag: string): string {
  return etag.replace(/^"(.*)"$/, '$1');
}
