"use client";

import { useState } from "react";
import { serviceNames } from "../../lib/client/perf-points";
import { seriesColor } from "./chart-theme";
import type { ChartWindow } from "./chart-window";
import { formatLineValue, LinesChart, type LineUnit } from "./lines-chart";
import styles from "./perf.module.css";

type Metric = "cpu" | "rss" | "io";

const SUBTITLES: Record<Metric, string> = {
  cpu: "CPU, % of one core (200 % = two cores busy)",
  rss: "resident memory (RSS) of each service's processes",
  io: "bytes read and written per second, from each service's cgroup (live only)",
};
const UNITS: Record<Metric, LineUnit> = { cpu: "percent", rss: "bytes", io: "bytes-per-second" };

/** One line per service: CPU (% of one core, so 200 % = two cores), resident memory, or disk I/O where the runtime accounts it. */
export function ServiceChart({ win, spanMs, rangeId }: { win: ChartWindow; spanMs: number; rangeId: string }) {
  const [chosen, setMetric] = useState<Metric>("cpu");
  const [hidden, setHidden] = useState<ReadonlySet<string>>(new Set());
  const hasIo = win.points.some((p) => Object.values(p.services).some((sp) => sp.io !== undefined));
  const metric: Metric = chosen === "io" && !hasIo ? "cpu" : chosen;
  const names = serviceNames(win.points);
  const latest = win.points.at(-1);
  const toggle = (name: string) =>
    setHidden((h) => {
      const next = new Set(h);
      if (next.has(name)) next.delete(name);
      else next.add(name);
      return next;
    });
  const picker = (
    <div className="segmented" role="group" aria-label="Metric">
      <button type="button" aria-pressed={metric === "cpu"} onClick={() => setMetric("cpu")} data-testid="service-chart-cpu">
        CPU
      </button>
      <button type="button" aria-pressed={metric === "rss"} onClick={() => setMetric("rss")} data-testid="service-chart-rss">
        Memory
      </button>
      {hasIo ? (
        <button type="button" aria-pressed={metric === "io"} onClick={() => setMetric("io")} data-testid="service-chart-io">
          Disk I/O
        </button>
      ) : null}
    </div>
  );
  const legend =
    names.length > 0 ? (
      <div className={styles.legend}>
        {names.map((name, i) => {
          const now = latest?.services[name]?.[metric];
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
              <span className="muted">{now !== undefined ? formatLineValue(UNITS[metric], now) : ""}</span>
            </button>
          );
        })}
      </div>
    ) : null;

  return (
    <LinesChart
      id="service"
      title="Per service"
      subtitle={SUBTITLES[metric]}
      unit={UNITS[metric]}
      win={win}
      spanMs={spanMs}
      rangeId={rangeId}
      emptyText="No services were running in this range."
      actions={picker}
      legend={legend}
      dataAttrs={{ "data-services": names.length }}
      lines={names.flatMap((name, i) => (hidden.has(name) ? [] : [{ key: name, label: name, color: seriesColor(i), value: (p) => p.services[name]?.[metric] }]))}
    />
  );
}
