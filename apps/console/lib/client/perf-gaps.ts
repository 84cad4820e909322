// Breaks chart lines where samples are missing (agent down, machine asleep) instead of drawing a
// confident line across the hole: a `gap` point is inserted, which the charts plot as no value.
import type { ChartPoint } from "./perf-points";

export type PlotPoint = ChartPoint & { gap?: true };

/** Inserts a gap marker after any point followed by a silence longer than `factor` normal steps. */
export function withGaps(points: readonly ChartPoint[], factor = 3): PlotPoint[] {
  if (points.length < 3) return [...points];
  const diffs: number[] = [];
  for (let i = 1; i < points.length; i++) diffs.push(points[i]!.t - points[i - 1]!.t);
  const step = median(diffs);
  if (step <= 0) return [...points];
  const out: PlotPoint[] = [points[0]!];
  for (let i = 1; i < points.length; i++) {
    const prev = points[i - 1]!;
    const cur = points[i]!;
    if (cur.t - prev.t > step * factor) out.push({ ...prev, t: prev.t + step, gap: true });
    out.push(cur);
  }
  return out;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}
