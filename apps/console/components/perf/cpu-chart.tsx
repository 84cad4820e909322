"use client";

import { Area, AreaChart, CartesianGrid, Line, Tooltip, XAxis, YAxis } from "recharts";
import { formatAxisTime, formatPercent } from "../../lib/client/format";
import type { PlotPoint } from "../../lib/client/perf-gaps";
import type { ChartPoint } from "../../lib/client/perf-points";
import { AXIS_TICK, CHART_COLORS, CHART_HEIGHT, CHART_MARGIN } from "./chart-theme";
import type { ChartWindow } from "./chart-window";
import styles from "./perf.module.css";
import { TimeChartFrame } from "./time-chart-frame";
import { TimeTooltip } from "./time-tooltip";

/** Machine CPU busy % (all cores). History ranges add the per-step peak as a faint line. */
export function CpuChart({ win, spanMs, showPeak, cores, rangeId }: { win: ChartWindow; spanMs: number; showPeak: boolean; cores: number | null; rangeId: string }) {
  const latest = win.points.at(-1);
  return (
    <section className={styles.panel} data-testid="cpu-chart" data-points={win.points.length} data-range={rangeId}>
      <div className={styles.panelHead}>
        <div>
          <h3>CPU</h3>
          <div className={styles.panelSub}>busy, share of {cores ? `all ${cores} cores` : "all cores"}</div>
        </div>
        <div className="chart-now" data-testid="cpu-now">
          {latest ? formatPercent(latest.cpu) : "—"}
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
                  { color: CHART_COLORS.cpu, label: showPeak ? "CPU (average)" : "CPU", value: formatPercent(p.cpu) },
                  ...(showPeak ? [{ color: CHART_COLORS.cpuPeak, label: "CPU (peak)", value: formatPercent(p.cpuMax) }] : []),
                ]}
              />
            )}
          />
          <Area
            type="linear"
            dataKey={(p: PlotPoint) => (p.gap ? null : p.cpu)}
            name="CPU"
            stroke={CHART_COLORS.cpu}
            strokeWidth={1.5}
            fill={CHART_COLORS.cpu}
            fillOpacity={0.12}
            dot={false}
            isAnimationActive={false}
          />
          {showPeak ? (
            <Line type="linear" dataKey={(p: PlotPoint) => (p.gap ? null : p.cpuMax)} name="Peak" stroke={CHART_COLORS.cpuPeak} strokeWidth={1} dot={false} isAnimationActive={false} />
          ) : null}
        </AreaChart>
      </TimeChartFrame>
    </section>
  );
}
