import type { ReactNode } from "react";

/** Fixed-height box for a chart, or a plain message when the range has no points. */
export function TimeChartFrame({ empty, emptyText = "No data for this range yet.", children }: { empty: boolean; emptyText?: string; children: ReactNode }) {
  if (empty) return <div className="chart-empty">{emptyText}</div>;
  return <div className="chart-frame">{children}</div>;
}
