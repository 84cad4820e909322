"use client";

import { formatPercent } from "../../lib/client/format";
import { CHART_COLORS } from "./chart-theme";
import type { ChartWindow } from "./chart-window";
import { PercentAreaChart } from "./percent-area-chart";

/** Machine CPU busy % (all cores). */
export function CpuChart({ win, spanMs, showPeak, cores, rangeId }: { win: ChartWindow; spanMs: number; showPeak: boolean; cores: number | null; rangeId: string }) {
  return (
    <PercentAreaChart
      win={win}
      spanMs={spanMs}
      showPeak={showPeak}
      rangeId={rangeId}
      series={{
        id: "cpu",
        title: "CPU",
        subtitle: `busy, share of ${cores ? `all ${cores} cores` : "all cores"}`,
        color: CHART_COLORS.cpu,
        peakColor: CHART_COLORS.cpuPeak,
        value: (p) => p.cpu,
        peak: (p) => p.cpuMax,
        rows: (p, peak) => [
          { color: CHART_COLORS.cpu, label: peak ? "CPU (average)" : "CPU", value: formatPercent(p.cpu) },
          ...(peak ? [{ color: CHART_COLORS.cpuPeak, label: "CPU (peak)", value: formatPercent(p.cpuMax) }] : []),
        ],
      }}
    />
  );
}
