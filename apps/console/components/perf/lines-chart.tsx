"use client";

import type { ReactNode } from "react";
import { CartesianGrid, Line, LineChart, Tooltip, XAxis, YAxis } from "recharts";
import { formatBytes, formatPercent } from "../../lib/client/format";
import { niceByteTicks, niceTicks } from "../../lib/client/nice-ticks";
import type { PlotPoint } from "../../lib/client/perf-gaps";
import type { ChartPoint } from "../../lib/client/perf-points";
import { AXIS_TICK, CHART_COLORS, CHART_HEIGHT, CHART_MARGIN } from "./chart-theme";
import type { ChartWindow } from "./chart-window";
import styles from "./perf.module.css";
import { timeAxisProps } from "./time-axis";
import { TimeChartFrame } from "./time-chart-frame";
import { TimeTooltip } from "./time-tooltip";

export interface ChartLine {
  key: string;
  label: string;
  color: string;
  /** The plotted value; undefined where the point has none (drawn as a break). */
  value: (p: ChartPoint) => number | undefined;
}

export type LineUnit = "bytes" | "bytes-per-second" | "percent";

export function formatLineValue(unit: LineUnit, v: number): string {
  return unit === "percent" ? formatPercent(v) : unit === "bytes" ? formatBytes(v) : `${formatBytes(Math.round(v))}/s`;
}

/**
 * A few lines over time on one axis (bytes, a byte rate or a percentage). The legend shows each
 * line's latest value, unless the caller draws its own (`legend`, e.g. to toggle lines).
 */
export function LinesChart({
  id,
  title,
  subtitle,
  lines,
  unit,
  win,
  spanMs,
  rangeId,
  emptyText,
  actions,
  legend,
  dataAttrs,
}: {
  /** Names the test ids (`<id>-chart`). */
  id: string;
  title: string;
  subtitle: ReactNode;
  lines: readonly ChartLine[];
  unit: LineUnit;
  win: ChartWindow;
  spanMs: number;
  rangeId: string;
  emptyText: string;
  /** Beside the title (a metric picker). */
  actions?: ReactNode;
  legend?: ReactNode;
  dataAttrs?: Record<`data-${string}`, string | number>;
}) {
  let max = 0;
  let values = 0;
  for (const p of win.points) {
    for (const l of lines) {
      const v = l.value(p);
      if (v === undefined) continue;
      values++;
      max = Math.max(max, v);
    }
  }
  const yTicks = unit === "percent" ? niceTicks(max) : niceByteTicks(max);
  const latest = win.points.at(-1);
  return (
    <section className={styles.panel} data-testid={`${id}-chart`} data-points={win.points.length} data-values={values} data-range={rangeId} {...dataAttrs}>
      <div className={styles.panelHead}>
        <div>
          <h3>{title}</h3>
          <div className={styles.panelSub}>{subtitle}</div>
        </div>
        {actions}
      </div>
      <TimeChartFrame empty={values === 0} emptyText={win.points.length === 0 ? "No data for this range yet." : emptyText}>
        <LineChart responsive data={win.plot} style={{ width: "100%", height: CHART_HEIGHT }} margin={CHART_MARGIN}>
          <CartesianGrid stroke={CHART_COLORS.grid} vertical={false} />
          <XAxis {...timeAxisProps(win, spanMs)} />
          <YAxis
            domain={[0, yTicks.at(-1) ?? "auto"]}
            ticks={yTicks}
            tickFormatter={(v: number) => (unit === "percent" ? `${v} %` : formatBytes(v))}
            tick={AXIS_TICK}
            stroke={CHART_COLORS.axis}
            width={unit === "percent" ? 48 : 64}
          />
          <Tooltip
            isAnimationActive={false}
            content={({ active, payload }) => (
              <TimeTooltip
                active={active}
                payload={payload}
                rows={(p: ChartPoint) =>
                  lines.flatMap((l) => {
                    const v = l.value(p);
                    return v === undefined ? [] : [{ color: l.color, label: l.label, value: formatLineValue(unit, v) }];
                  })
                }
              />
            )}
          />
          {lines.map((l) => (
            <Line
              key={l.key}
              type="linear"
              dataKey={(p: PlotPoint) => (p.gap ? null : (l.value(p) ?? null))}
              name={l.label}
              stroke={l.color}
              strokeWidth={1.5}
              dot={false}
              isAnimationActive={false}
              connectNulls={false}
            />
          ))}
        </LineChart>
      </TimeChartFrame>
      {legend !== undefined ? (
        legend
      ) : values > 0 ? (
        <div className={styles.legend}>
          {lines.map((l) => {
            const v = latest ? l.value(latest) : undefined;
            return (
              <span key={l.key} className={styles.legendItem} data-testid={`${id}-legend-${l.key}`}>
                <span className="chart-swatch" style={{ background: l.color }} />
                {l.label}
                <span className="muted">{v !== undefined ? formatLineValue(unit, v) : ""}</span>
              </span>
            );
          })}
        </div>
      ) : null}
    </section>
  );
}
