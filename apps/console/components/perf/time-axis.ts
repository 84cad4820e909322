import { formatAxisTime } from "../../lib/client/format";
import { AXIS_TICK, CHART_COLORS } from "./chart-theme";
import type { ChartWindow } from "./chart-window";

/** The time X axis every perf chart uses: the window's span and ticks, labels scaled to the range. */
export function timeAxisProps(win: ChartWindow, spanMs: number) {
  return {
    dataKey: "t",
    type: "number" as const,
    domain: [win.start, win.end],
    ticks: win.ticks,
    tickFormatter: (t: number) => formatAxisTime(t, spanMs),
    tick: AXIS_TICK,
    stroke: CHART_COLORS.axis,
    allowDataOverflow: true,
  };
}
