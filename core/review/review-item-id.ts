/** What identifies one item in the review queue: a verdict's key in the verdict store. */
export interface ReviewItemKey {
  readonly uri: string;
  readonly policyVersion: string;
}

/** Longest id accepted back from a client; far above any real URI, well below the request size limit. */
const MAX_ID_LENGTH = 16_384;

/**
 * The opaque id of a queue item in URLs and requests: the verdict key as base64url JSON. Stateless, so an id
 * survives a restart of the console, and it never needs escaping in a URL path.
 */
export function encodeReviewItemId(key: ReviewItemKey): string {
  return Buffer.from(JSON.stringify([key.uri, key.policyVersion]), 'utf8').toString('base64url');
}

/** The key inside an id from {@link encodeReviewItemId}; undefined when the id is not one. */
export function decodeReviewItemId(id: string): ReviewItemKey | undefined {
  if (id.length === 0 || id.length > MAX_ID_LENGTH || !/^[A-Za-z0-9_-]+$/.test(id)) return undefined;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(id, 'base64url').toString('utf8'));
    if (
      Array.isArray(parsed) &&
      parsed.length === 2 &&
      typeof parsed[0] === 'string' &&
      typeof parsed[1] === 'string' &&
      parsed[0] !== '' &&
      parsed[1] !== ''
    ) {
      return { uri: parsed[0], policyVersion: parsed[1] };
    }
  } catch {
    // Not JSON: not an id.
  }
  return undefined;
}
