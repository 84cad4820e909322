// The x-axis window a chart shows: the range's span ending at the newest point (or now), and only
// the points inside it (a live ring at a slower sampling rate can hold more than 5 minutes).
import { withGaps, type PlotPoint } from "../../lib/client/perf-gaps";
import type { ChartPoint } from "../../lib/client/perf-points";
import { timeTicks } from "../../lib/client/time-ticks";

export interface ChartWindow {
  start: number;
  end: number;
  /** The samples inside the window. */
  points: ChartPoint[];
  /** What the charts draw: the samples plus gap markers where data is missing. */
  plot: PlotPoint[];
  ticks: number[];
}

export function chartWindow(points: readonly ChartPoint[], spanMs: number, now: number): ChartWindow {
  // The browser's clock, unless the agent's is ahead (then its newest point would fall off the edge).
  const end = Math.max(now, points.at(-1)?.t ?? now);
  const start = end - spanMs;
  const inside = points.filter((p) => p.t >= start && p.t <= end);
  return { start, end, points: inside, plot: withGaps(inside), ticks: timeTicks(start, end, 6) };
}
