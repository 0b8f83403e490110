import type { CachedResult } from '../verdict/verdict';

/** What identical content is recognised by: the bytes, the policy and every detector/model version. */
export interface ContentKey {
  readonly sha256: string;
  readonly policyVersion: string;
  /** A stable fingerprint of the detector ids and versions (and model versions) that would run. */
  readonly detectorsFingerprint: string;
}

/** Results of scoring content, keyed so identical content is never scored twice. */
export interface ContentCache {
  get(key: ContentKey): Promise<CachedResult | undefined>;
  put(key: ContentKey, result: CachedResult): Promise<void>;
}

/** The canonical string form of a {@link ContentKey}. */
export function contentKeyString(key: ContentKey): string {
  return `${key.sha256}:${key.policyVersion}:${key.detectorsFingerprint}`;
}
