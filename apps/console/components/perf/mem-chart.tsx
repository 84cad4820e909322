"use client";

import { Area, AreaChart, CartesianGrid, Line, Tooltip, XAxis, YAxis } from "recharts";
import { formatAxisTime, formatBytes, formatPercent } from "../../lib/client/format";
import type { PlotPoint } from "../../lib/client/perf-gaps";
import type { ChartPoint } from "../../lib/client/perf-points";
import { AXIS_TICK, CHART_COLORS, CHART_HEIGHT, CHART_MARGIN } from "./chart-theme";
import type { ChartWindow } from "./chart-window";
import styles from "./perf.module.css";
import { TimeChartFrame } from "./time-chart-frame";
import { TimeTooltip } from "./time-tooltip";

/** Memory in use (total − available), as % of total; bytes in the tooltip. */
export function MemChart({ win, spanMs, showPeak, totalBytes, rangeId }: { win: ChartWindow; spanMs: number; showPeak: boolean; totalBytes: number | null; rangeId: string }) {
  const latest = win.points.at(-1);
  return (
    <section className={styles.panel} data-testid="mem-chart" data-points={win.points.length} data-range={rangeId}>
      <div className={styles.panelHead}>
        <div>
          <h3>Memory</h3>
          <div className={styles.panelSub}>
            {latest ? `${formatBytes(latest.memBytes)} ` : ""}in use{totalBytes ? ` of ${formatBytes(totalBytes)}` : ""}
          </div>
        </div>
        <div className="chart-now" data-testid="mem-now">
          {latest ? formatPercent(latest.memPercent) : "—"}
        </div>
      </div>
      <TimeChartFrame empty={win.points.length === 0}>
        <AreaChart responsive data={win.plot} style={{ width: "100%", height: CHART_HEIGHT }} margin={CHART_MARGIN}>
          <CartesianGrid stroke={CHART_COLORS.grid} vertical={false} />
          <XAxis
            dataKey="t"
            type="number"
            domain={[win.start, win.end]}
            ticks={win.ticks}
            tickFormatter={(t: number) => formatAxisTime(t, spanMs)}
            tick={AXIS_TICK}
            stroke={CHART_COLORS.axis}
            allowDataOverflow
          />
          <YAxis domain={[0, 100]} ticks={[0, 25, 50, 75, 100]} unit=" %" tick={AXIS_TICK} stroke={CHART_COLORS.axis} width={48} />
          <Tooltip
            isAnimationActive={false}
            content={({ active, payload }) => (
              <TimeTooltip
                active={active}
                payload={payload}
                rows={(p: ChartPoint) => [
                  {
                    color: CHART_COLORS.mem,
                    label: showPeak ? "Used (average)" : "Used",
                    value: `${formatBytes(p.memBytes)} · ${formatPercent(p.memPercent)}`,
                  },
                  ...(showPeak ? [{ color: CHART_COLORS.memPeak, label: "Used (peak)", value: formatPercent(p.memMaxPercent) }] : []),
                ]}
              />
            )}
          />
          <Area
            type="linear"
            dataKey={(p: PlotPoint) => (p.gap ? null : p.memPercent)}
            name="Memory"
            stroke={CHART_COLORS.mem}
            strokeWidth={1.5}
            fill={CHART_COLORS.mem}
            fillOpacity={0.12}
            dot={false}
            isAnimationActive={false}
          />
          {showPeak ? (
            <Line type="linear" dataKey={(p: PlotPoint) => (p.gap ? null : p.memMaxPercent)} name="Peak" stroke={CHART_COLORS.memPeak} strokeWidth={1} dot={false} isAnimationActive={false} />
          ) : null}
        </AreaChart>
      </TimeChartFrame>
    </section>
  );
}
