"use client";

import { formatBytes, formatPercent } from "../../lib/client/format";
import { CHART_COLORS } from "./chart-theme";
import type { ChartWindow } from "./chart-window";
import { PercentAreaChart } from "./percent-area-chart";

/** Memory in use (total − available), as % of total; bytes in the tooltip. */
export function MemChart({ win, spanMs, showPeak, totalBytes, rangeId }: { win: ChartWindow; spanMs: number; showPeak: boolean; totalBytes: number | null; rangeId: string }) {
  const latest = win.points.at(-1);
  return (
    <PercentAreaChart
      win={win}
      spanMs={spanMs}
      showPeak={showPeak}
      rangeId={rangeId}
      series={{
        id: "mem",
        title: "Memory",
        subtitle: `${latest ? `${formatBytes(latest.memBytes)} ` : ""}in use${totalBytes ? ` of ${formatBytes(totalBytes)}` : ""}`,
        color: CHART_COLORS.mem,
        peakColor: CHART_COLORS.memPeak,
        value: (p) => p.memPercent,
        peak: (p) => p.memMaxPercent,
        rows: (p, peak) => [
          { color: CHART_COLORS.mem, label: peak ? "Used (average)" : "Used", value: `${formatBytes(p.memBytes)} · ${formatPercent(p.memPercent)}` },
          ...(peak ? [{ color: CHART_COLORS.memPeak, label: "Used (peak)", value: formatPercent(p.memMaxPercent) }] : []),
        ],
      }}
    />
  );
}
