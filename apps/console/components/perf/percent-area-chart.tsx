"use client";

import type { ReactNode } from "react";
import { Area, AreaChart, CartesianGrid, Line, Tooltip, XAxis, YAxis } from "recharts";
import { formatPercent } from "../../lib/client/format";
import type { PlotPoint } from "../../lib/client/perf-gaps";
import type { ChartPoint } from "../../lib/client/perf-points";
import { AXIS_TICK, CHART_COLORS, CHART_HEIGHT, CHART_MARGIN } from "./chart-theme";
import type { ChartWindow } from "./chart-window";
import styles from "./perf.module.css";
import { timeAxisProps } from "./time-axis";
import { TimeChartFrame } from "./time-chart-frame";
import { TimeTooltip, type TooltipRow } from "./time-tooltip";

export interface PercentSeries {
  /** "cpu" or "mem": names the test ids (`<id>-chart`, `<id>-now`). */
  id: string;
  title: string;
  subtitle: ReactNode;
  color: string;
  peakColor: string;
  /** The plotted percentage and its per-step peak. */
  value: (p: ChartPoint) => number;
  peak: (p: ChartPoint) => number;
  /** Tooltip rows for one point. */
  rows: (p: ChartPoint, showPeak: boolean) => TooltipRow[];
}

/** One 0–100 % series over time as an area; history ranges add the per-step peak as a faint line. */
export function PercentAreaChart({ series, win, spanMs, showPeak, rangeId }: { series: PercentSeries; win: ChartWindow; spanMs: number; showPeak: boolean; rangeId: string }) {
  const latest = win.points.at(-1);
  // data-last-t: the newest point's time (ms), so a browser benchmark can time a sample to its pixel.
  return (
    <section className={styles.panel} data-testid={`${series.id}-chart`} data-points={win.points.length} data-range={rangeId} data-last-t={latest?.t}>
      <div className={styles.panelHead}>
        <div>
          <h3>{series.title}</h3>
          <div className={styles.panelSub}>{series.subtitle}</div>
        </div>
        <div className="chart-now" data-testid={`${series.id}-now`}>
          {latest ? formatPercent(series.value(latest)) : "—"}
        </div>
      </div>
      <TimeChartFrame empty={win.points.length === 0}>
        <AreaChart responsive data={win.plot} style={{ width: "100%", height: CHART_HEIGHT }} margin={CHART_MARGIN}>
          <CartesianGrid stroke={CHART_COLORS.grid} vertical={false} />
          <XAxis {...timeAxisProps(win, spanMs)} />
          <YAxis domain={[0, 100]} ticks={[0, 25, 50, 75, 100]} unit=" %" tick={AXIS_TICK} stroke={CHART_COLORS.axis} width={48} />
          <Tooltip
            isAnimationActive={false}
            content={({ active, payload }) => <TimeTooltip active={active} payload={payload} rows={(p: ChartPoint) => series.rows(p, showPeak)} />}
          />
          <Area
            type="linear"
            dataKey={(p: PlotPoint) => (p.gap ? null : series.value(p))}
            name={series.title}
            stroke={series.color}
            strokeWidth={1.5}
            fill={series.color}
            fillOpacity={0.12}
            dot={false}
            isAnimationActive={false}
          />
          {showPeak ? (
            <Line type="linear" dataKey={(p: PlotPoint) => (p.gap ? null : series.peak(p))} name="Peak" stroke={series.peakColor} strokeWidth={1} dot={false} isAnimationActive={false} />
          ) : null}
        </AreaChart>
      </TimeChartFrame>
    </section>
  );
}
