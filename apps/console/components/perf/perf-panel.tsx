"use client";

import { useState } from "react";
import { formatDuration } from "../../lib/client/format";
import { rangeById, type RangeId } from "../../lib/client/perf-ranges";
import { useAgentClient } from "../../lib/client/transport";
import { usePerfSeries } from "../../lib/client/use-perf-series";
import { ErrorNotice } from "../ui/error-notice";
import { chartWindow } from "./chart-window";
import { CpuChart } from "./cpu-chart";
import { DeviceCharts } from "./device-charts";
import { MemChart } from "./mem-chart";
import styles from "./perf.module.css";
import { RangePicker } from "./range-picker";
import { ServiceChart } from "./service-chart";

/** The agent page's performance card: range picker, CPU, memory and device charts, per-service chart. */
export function PerfPanel({ agentId, cores }: { agentId: string; cores: number | null }) {
  const client = useAgentClient(agentId);
  const [rangeId, setRangeId] = useState<RangeId>("5m");
  const range = rangeById(rangeId);
  const series = usePerfSeries(client, rangeId);
  const win = chartWindow(series.points, range.spanMs, Date.now());
  const totalBytes = series.points.findLast((p) => p.memTotalBytes !== null)?.memTotalBytes ?? null;

  return (
    <section className="card" data-testid="perf-panel">
      <div className="card-header">
        <div>
          <h2>Performance</h2>
          <div className={styles.status} data-testid="perf-status" data-status={series.status}>
            {statusText(series.status, range.live, series.intervalMs, series.stepSeconds, range.label)}
          </div>
        </div>
        <RangePicker value={rangeId} onChange={setRangeId} />
      </div>
      <div className="card-body stack">
        {series.status === "error" && series.error ? (
          <ErrorNotice
            title={range.live ? "Live data stopped" : "Could not load history"}
            message={
              <>
                {series.error}
                <div className="muted">{range.live ? "Reconnecting every few seconds…" : "Retrying shortly."}</div>
              </>
            }
            testId="perf-error"
          />
        ) : null}
        {series.status === "loading" ? (
          <div className="chart-empty" data-testid="perf-loading">
            Loading…
          </div>
        ) : (
          <div className={styles.grid}>
            <CpuChart win={win} spanMs={range.spanMs} showPeak={!range.live} cores={cores} rangeId={rangeId} />
            <MemChart win={win} spanMs={range.spanMs} showPeak={!range.live} totalBytes={totalBytes} rangeId={rangeId} />
            <DeviceCharts win={win} spanMs={range.spanMs} rangeId={rangeId} />
            <div className={styles.wide}>
              <ServiceChart win={win} spanMs={range.spanMs} rangeId={rangeId} />
            </div>
          </div>
        )}
      </div>
    </section>
  );
}

function statusText(status: string, live: boolean, intervalMs: number | null, stepSeconds: number | null, label: string) {
  if (status === "loading") return "Connecting…";
  if (status === "error") return "Not receiving data";
  if (live) {
    return (
      <>
        <span className={styles.liveDot} aria-hidden />
        Live{intervalMs ? ` · a point every ${intervalMs >= 800 ? `${Math.max(1, Math.round((intervalMs / 1000) * 2) / 2)} s` : `${intervalMs} ms`}` : ""}
      </>
    );
  }
  return `Last ${label}${stepSeconds ? ` · each point averages ${formatDuration(stepSeconds)}; the faint line is the peak` : ""}`;
}
