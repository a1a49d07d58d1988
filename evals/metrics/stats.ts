// Summary statistics for reports: means over defined values, percentiles, Wilson score intervals.

export function mean(values: readonly (number | undefined)[]): number | undefined {
  const xs = values.filter((v): v is number => typeof v === "number" && Number.isFinite(v));
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : undefined;
}

export const countDefined = (values: readonly (number | undefined)[]) => values.filter((v) => typeof v === "number" && Number.isFinite(v)).length;

/** Nearest-rank percentile (p in 0..100). */
export function percentile(values: readonly number[], p: number): number | undefined {
  if (!values.length) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/**
 * Wilson score interval for a proportion (successes of n), 95 % by default. Unlike the normal
 * approximation it stays inside [0, 1] and is honest for small n and shares near 0 or 1.
 */
export function wilsonInterval(successes: number, n: number, z = 1.959964): { low: number; high: number } {
  if (n <= 0) return { low: 0, high: 1 };
  const p = successes / n;
  const z2 = z * z;
  const centre = p + z2 / (2 * n);
  const spread = z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  const denom = 1 + z2 / n;
  return { low: Math.max(0, (centre - spread) / denom), high: Math.min(1, (centre + spread) / denom) };
}
