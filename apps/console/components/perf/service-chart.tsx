"use client";

import { useState } from "react";
import { CartesianGrid, Line, LineChart, Tooltip, XAxis, YAxis } from "recharts";
import { formatBytes, formatPercent } from "../../lib/client/format";
import { niceByteTicks, niceTicks } from "../../lib/client/nice-ticks";
import type { PlotPoint } from "../../lib/client/perf-gaps";
import { serviceNames, type ChartPoint } from "../../lib/client/perf-points";
import { AXIS_TICK, CHART_COLORS, CHART_HEIGHT, CHART_MARGIN, seriesColor } from "./chart-theme";
import type { ChartWindow } from "./chart-window";
import styles from "./perf.module.css";
import { timeAxisProps } from "./time-axis";
import { TimeChartFrame } from "./time-chart-frame";
import { TimeTooltip } from "./time-tooltip";

type Metric = "cpu" | "rss";

/** One line per service: CPU (% of one core, so 200 % = two cores) or resident memory. */
export function ServiceChart({ win, spanMs, rangeId }: { win: ChartWindow; spanMs: number; rangeId: string }) {
  const [metric, setMetric] = useState<Metric>("cpu");
  const [hidden, setHidden] = useState<ReadonlySet<string>>(new Set());
  const names = serviceNames(win.points);
  const visible = names.filter((n) => !hidden.has(n));
  let max = 0;
  for (const p of win.points) for (const n of visible) max = Math.max(max, p.services[n]?.[metric] ?? 0);
  const yTicks = metric === "cpu" ? niceTicks(max) : niceByteTicks(max);
  const latest = win.points.at(-1);
  const format = (v: number) => (metric === "cpu" ? formatPercent(v) : formatBytes(v));
  const toggle = (name: string) =>
    setHidden((h) => {
      const next = new Set(h);
      if (next.has(name)) next.delete(name);
      else next.add(name);
      return next;
    });

  return (
    <section className={styles.panel} data-testid="service-chart" data-points={win.points.length} data-services={names.length} data-range={rangeId}>
      <div className={styles.panelHead}>
        <div>
          <h3>Per service</h3>
          <div className={styles.panelSub}>{metric === "cpu" ? "CPU, % of one core (200 % = two cores busy)" : "resident memory (RSS) of each service's processes"}</div>
        </div>
        <div className="segmented" role="group" aria-label="Metric">
          <button type="button" aria-pressed={metric === "cpu"} onClick={() => setMetric("cpu")} data-testid="service-chart-cpu">
            CPU
          </button>
          <button type="button" aria-pressed={metric === "rss"} onClick={() => setMetric("rss")} data-testid="service-chart-rss">
            Memory
          </button>
        </div>
      </div>
      <TimeChartFrame empty={names.length === 0} emptyText={win.points.length === 0 ? "No data for this range yet." : "No services were running in this range."}>
        <LineChart responsive data={win.plot} style={{ width: "100%", height: CHART_HEIGHT }} margin={CHART_MARGIN}>
          <CartesianGrid stroke={CHART_COLORS.grid} vertical={false} />
          <XAxis {...timeAxisProps(win, spanMs)} />
          <YAxis
            domain={[0, yTicks.at(-1) ?? "auto"]}
            ticks={yTicks}
            tickFormatter={(v: number) => (metric === "cpu" ? `${v} %` : formatBytes(v))}
            tick={AXIS_TICK}
            stroke={CHART_COLORS.axis}
            width={metric === "cpu" ? 48 : 64}
          />
          <Tooltip
            isAnimationActive={false}
            content={({ active, payload }) => (
              <TimeTooltip
                active={active}
                payload={payload}
                rows={(p: ChartPoint) =>
                  names
                    .filter((n) => !hidden.has(n) && p.services[n])
                    .map((n) => ({ color: seriesColor(names.indexOf(n)), label: n, value: format(p.services[n]![metric]) }))
                }
              />
            )}
          />
          {names.map((name, i) =>
            hidden.has(name) ? null : (
              <Line
                key={name}
                type="linear"
                dataKey={(p: PlotPoint) => (p.gap ? null : (p.services[name]?.[metric] ?? null))}
                name={name}
                stroke={seriesColor(i)}
                strokeWidth={1.5}
                dot={false}
                isAnimationActive={false}
                connectNulls={false}
              />
            ),
          )}
        </LineChart>
      </TimeChartFrame>
      {names.length > 0 ? (
        <div className={styles.legend}>
          {names.map((name, i) => {
            const now = latest?.services[name];
            return (
              <button
                key={name}
                type="button"
                className={styles.legendItem}
                aria-pressed={!hidden.has(name)}
                onClick={() => toggle(name)}
                data-testid={`service-chart-legend-${name}`}
                title={hidden.has(name) ? `Show ${name}` : `Hide ${name}`}
              >
                <span className="chart-swatch" style={{ background: seriesColor(i) }} />
                {name}
                <span className="muted">{now ? format(now[metric]) : ""}</span>
              </button>
            );
          })}
        </div>
      ) : null}
    </section>
  );
}
