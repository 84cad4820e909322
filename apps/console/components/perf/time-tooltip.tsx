"use client";

import type { ReactNode } from "react";
import { formatDateTime } from "../../lib/client/format";
import type { ChartPoint } from "../../lib/client/perf-points";

export interface TooltipRow {
  color: string;
  label: string;
  value: ReactNode;
}

/** recharts' tooltip `content`: the point's time, then one row per series, with units. */
export function TimeTooltip({
  active,
  payload,
  rows,
}: {
  active?: boolean;
  payload?: ReadonlyArray<{ payload?: unknown }>;
  rows: (point: ChartPoint) => TooltipRow[];
}) {
  const point = payload?.[0]?.payload as (ChartPoint & { gap?: true }) | undefined;
  if (!active || !point || point.gap) return null;
  return (
    <div className="chart-tooltip" data-testid="chart-tooltip">
      <div className="chart-tooltip-time">{formatDateTime(point.t, true)}</div>
      {rows(point).map((row) => (
        <div className="chart-tooltip-row" key={row.label}>
          <span className="chart-swatch" style={{ background: row.color }} />
          <span>{row.label}</span>
          <strong style={{ marginLeft: "auto" }}>{row.value}</strong>
        </div>
      ))}
    </div>
  );
}
