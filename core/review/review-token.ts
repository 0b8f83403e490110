import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { ConfigError } from '../errors';

/** Shortest token accepted from a flag or the environment. */
export const MIN_TOKEN_LENGTH = 16;
const MAX_TOKEN_LENGTH = 512;

/** A fresh random token for one start of the console: 32 bytes, base64url. */
export function generateReviewToken(): string {
  return randomBytes(32).toString('base64url');
}

/** A token given by the user; throws {@link ConfigError} when it is too short or not URL-safe. */
export function validateReviewToken(token: string): string {
  if (
    token.length < MIN_TOKEN_LENGTH ||
    token.length > MAX_TOKEN_LENGTH ||
    !/^[A-Za-z0-9._~-]+$/.test(token)
  ) {
    throw new ConfigError(
      `the review token must be ${MIN_TOKEN_LENGTH}-${MAX_TOKEN_LENGTH} characters of A-Z, a-z, 0-9, ".", "_", "~" or "-"`,
    );
  }
  return token;
}

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

/**
 * Whether a presented token is the expected one, in time independent of where they differ. Both are hashed
 * first, so their lengths do not show either.
 */
export function tokenMatches(expected: string, presented: string | undefined): boolean {
  if (presented === undefined || presented.length > MAX_TOKEN_LENGTH) return false;
  return timingSafeEqual(digest(expected), digest(presented));
}

/** The token in an `Authorization: Bearer <token>` header; undefined when the header is absent or another kind. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer ([^\s]+)$/i.exec(header?.trim() ?? '');
  return match?.[1];
}
