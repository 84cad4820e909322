// Pure: the few statistics the benchmarks report. Percentiles use linear interpolation between
// closest ranks (the "R-7" / NumPy default), so p50 of an even-sized sample is the midpoint.

export interface Summary {
  n: number;
  min: number;
  max: number;
  mean: number;
  median: number;
  p99: number;
}

/** The q-th percentile (0 ≤ q ≤ 100) of `values`; NaN for an empty list. */
export function percentile(values: readonly number[], q: number): number {
  if (!(q >= 0 && q <= 100)) throw new RangeError(`percentile must be within 0..100, got ${q}`);
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const pos = ((sorted.length - 1) * q) / 100;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

export function summarize(values: readonly number[]): Summary {
  if (values.length === 0) return { n: 0, min: NaN, max: NaN, mean: NaN, median: NaN, p99: NaN };
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (const v of values) {
    min = Math.min(min, v);
    max = Math.max(max, v);
    sum += v;
  }
  return { n: values.length, min, max, mean: sum / values.length, median: median(values), p99: percentile(values, 99) };
}

/**
 * Ratio of a measurement to its baseline, from per-round pairs measured side by side: the median
 * of the per-round ratios (robust to a noisy round), with the ratio of medians alongside.
 */
export function pairedRatio(values: readonly number[], baselines: readonly number[]): { median: number; min: number; max: number; ofMedians: number } {
  if (values.length !== baselines.length || values.length === 0) {
    throw new RangeError(`need as many baseline rounds as measured rounds (got ${values.length} and ${baselines.length})`);
  }
  const ratios = values.map((v, i) => v / baselines[i]!);
  return { median: median(ratios), min: Math.min(...ratios), max: Math.max(...ratios), ofMedians: median(values) / median(baselines) };
}
