// Colors and axis styling shared by every chart. Hex values (not CSS variables) because they
// end up in SVG presentation attributes.
export const CHART_COLORS = {
  cpu: "#2557d6",
  cpuPeak: "#9db4ee",
  mem: "#17804a",
  memPeak: "#9dd3b4",
  grid: "#eef0f3",
  axis: "#a1a8b3",
  text: "#747c88",
} as const;

/** One color per service line, cycled. */
const SERIES_COLORS = ["#2557d6", "#17804a", "#c4321f", "#a55d00", "#7b3fc4", "#0e7c86", "#b8327a", "#5b6b00"] as const;

export function seriesColor(index: number): string {
  return SERIES_COLORS[index % SERIES_COLORS.length] ?? SERIES_COLORS[0];
}

export const AXIS_TICK = { fontSize: 11, fill: CHART_COLORS.text } as const;
export const CHART_HEIGHT = 220;
export const CHART_MARGIN = { top: 8, right: 12, bottom: 0, left: 0 } as const;
