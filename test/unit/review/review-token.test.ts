import { ConfigError } from '../../../core/errors';
import {
  bearerToken,
  generateReviewToken,
  MIN_TOKEN_LENGTH,
  tokenMatches,
  validateReviewToken,
} from '../../../core/review/review-token';

describe('review token', () => {
  it('is random, URL-safe and long enough', () => {
    const a = generateReviewToken();
    const b = generateReviewToken();
    expect(a).not.toBe(b);
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(validateReviewToken(a)).toBe(a);
  });

  it('matches only the exact token', () => {
    const t = generateReviewToken();
    expect(tokenMatches(t, t)).toBe(true);
    expect(tokenMatches(t, `${t}x`)).toBe(false);
    expect(tokenMatches(t, t.slice(0, -1))).toBe(false);
    expect(tokenMatches(t, t.toUpperCase())).toBe(false);
    expect(tokenMatches(t, '')).toBe(false);
    expect(tokenMatches(t, undefined)).toBe(false);
    expect(tokenMatches(t, 'x'.repeat(10_000))).toBe(false);
  });

  it('reads a bearer header and nothing else', () => {
    expect(bearerToken('Bearer abc.DEF_1-2')).toBe('abc.DEF_1-2');
    expect(bearerToken('bearer abc')).toBe('abc');
    expect(bearerToken('Basic abc')).toBeUndefined();
    expect(bearerToken('Bearer a b')).toBeUndefined();
    expect(bearerToken(undefined)).toBeUndefined();
  });

  it('refuses short or unsafe tokens from the user', () => {
    expect(() => validateReviewToken('x'.repeat(MIN_TOKEN_LENGTH - 1))).toThrow(ConfigError);
    expect(() => validateReviewToken('has space in it!!!')).toThrow(ConfigError);
    expect(() => validateReviewToken('a'.repeat(MIN_TOKEN_LENGTH))).not.toThrow();
  });
});
