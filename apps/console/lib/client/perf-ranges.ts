// The chart ranges the agent page offers. "5m" is live (WatchPerf into a ring); the others ask
// PerfHistory, which picks the resolution (1 s for the last hour, 1 min aggregates for a week,
// 5 min aggregates beyond, as long as the agent keeps them: SYSWARD_HISTORY_COARSE_DAYS).
export type RangeId = "5m" | "1h" | "24h" | "7d" | "30d";

export interface PerfRange {
  id: RangeId;
  label: string;
  spanMs: number;
  live: boolean;
  /** How often a history range re-asks PerfHistory so "now" stays near the right edge. */
  refreshMs: number;
  /** Asked of PerfHistory: ~700 points per chart is detailed enough and cheap to draw. */
  stepSeconds: number;
}

export const PERF_RANGES: readonly PerfRange[] = [
  { id: "5m", label: "5 min", spanMs: 5 * 60_000, live: true, refreshMs: 0, stepSeconds: 1 },
  { id: "1h", label: "1 hour", spanMs: 3_600_000, live: false, refreshMs: 15_000, stepSeconds: 5 },
  { id: "24h", label: "24 hours", spanMs: 24 * 3_600_000, live: false, refreshMs: 60_000, stepSeconds: 120 },
  { id: "7d", label: "7 days", spanMs: 7 * 24 * 3_600_000, live: false, refreshMs: 300_000, stepSeconds: 900 },
  { id: "30d", label: "30 days", spanMs: 30 * 24 * 3_600_000, live: false, refreshMs: 900_000, stepSeconds: 3600 },
];

/** Live points kept: 5 minutes at the default 1 s interval. */
export const LIVE_CAPACITY = 300;

export function rangeById(id: RangeId): PerfRange {
  const range = PERF_RANGES.find((r) => r.id === id);
  if (!range) throw new Error(`unknown range ${id}`);
  return range;
}
