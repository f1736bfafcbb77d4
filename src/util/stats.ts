/** Confidence bounds of rates, for judging a record by its size as well as its share. */

/** Lower bound of a rate's Wilson score interval (z 1.96: 95%): what k in n says for sure. */
export function wilsonLowerBound(k: number, n: number, z = 1.96): number {
  if (n <= 0) return 0;
  const p = k / n;
  const z2 = z * z;
  const centre = p + z2 / (2 * n);
  const spread = z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return Math.max(0, (centre - spread) / (1 + z2 / n));
}
