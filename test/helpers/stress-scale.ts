/**
 * The stress suites (test/stress) run scaled down inside `npm test` and at full scale under `npm run test:stress`
 * (WINNOW_STRESS=1). Both scales assert the same things; only the sizes change.
 */
export const STRESS = process.env.WINNOW_STRESS === '1';

/** `small` in `npm test`, `full` under `npm run test:stress`. */
export function atScale<T>(small: T, full: T): T {
  return STRESS ? full : small;
}
