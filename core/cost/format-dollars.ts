/** Dollars with enough digits to compare small amounts: 3 significant digits below $1, cents from $1. */
export function formatDollars(n: number): string {
  if (n === 0) return '$0';
  return n >= 1 ? `$${n.toFixed(2)}` : `$${n.toPrecision(3)}`;
}
