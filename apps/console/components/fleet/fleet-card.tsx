"use client";

import { timestampFromMs, timestampMs } from "@bufbuild/protobuf/wkt";
import { ServiceState } from "@sysward/proto";
import Link from "next/link";
import { useEffect, useRef, useState } from "react";
import { describeError } from "../../lib/client/errors";
import { formatBytes, formatPercent } from "../../lib/client/format";
import { pointFromSample, type ChartPoint } from "../../lib/client/perf-points";
import { RingBuffer } from "../../lib/client/ring-buffer";
import { useAgentClient } from "../../lib/client/transport";
import { usePolling } from "../../lib/client/use-polling";
import type { AgentSummary } from "../../lib/shared/types";
import { StatusPill } from "../ui/status-pill";
import styles from "./fleet-card.module.css";
import { Sparkline, type SparkPoint } from "./sparkline";

// Ten minutes of CPU, one point per 10 s: a trend, not a chart.
const SPARK_STEP_S = 10;
const SPARK_POINTS = 60;
/** Polled, not streamed: a browser has ~6 HTTP/1.1 connections per origin, and a fleet page
 *  holding one WatchPerf stream per agent would starve everything else past a handful of agents. */
const PERF_POLL_MS = 5_000;

type Status = "connecting" | "up" | "down";

export function FleetCard({ agent }: { agent: AgentSummary }) {
  const client = useAgentClient(agent.id);
  const perf = usePolling((signal) => client.systemPerf({}, { signal }), PERF_POLL_MS, [client]);
  const history = usePolling(
    (signal) =>
      client.perfHistory({ start: timestampFromMs(Date.now() - SPARK_STEP_S * SPARK_POINTS * 1000), stepSeconds: SPARK_STEP_S }, { signal }),
    0,
    [client],
  );
  const info = usePolling((signal) => client.agentInfo({}, { signal }), 60_000, [client]);
  const services = usePolling((signal) => client.listServices({}, { signal }), 10_000, [client]);
  const ring = useRef(new RingBuffer<SparkPoint>(SPARK_POINTS));
  const [spark, setSpark] = useState<SparkPoint[]>([]);

  const latest: ChartPoint | null = perf.data?.sample ? pointFromSample(perf.data.sample) : null;
  const status: Status = perf.error ? "down" : latest ? "up" : "connecting";
  const error = perf.error ? describeError(perf.error) : null;

  // History first (when it arrives), then one live point per step.
  useEffect(() => {
    if (!history.data) return;
    ring.current.clear();
    for (const p of history.data.points) if (p.time) ring.current.push({ t: timestampMs(p.time), v: p.cpuBusyPercent });
    setSpark(ring.current.toArray());
  }, [history.data]);
  const latestT = latest?.t;
  const latestCpu = latest?.cpu;
  useEffect(() => {
    if (latestT === undefined || latestCpu === undefined) return;
    const last = ring.current.last();
    if (last && latestT - last.t < SPARK_STEP_S * 1000) return;
    ring.current.push({ t: latestT, v: latestCpu });
    setSpark(ring.current.toArray());
  }, [latestT, latestCpu]);

  const list = services.data?.services;
  const running = list?.filter((s) => s.state === ServiceState.RUNNING).length ?? 0;
  const hostname = info.data?.hostname;
  const osLine = [hostname, info.data?.osRelease || info.data?.os].filter(Boolean).join(" · ");

  return (
    <Link href={`/agents/${encodeURIComponent(agent.id)}`} className={`card ${styles.card}`} data-testid={`fleet-agent-${agent.id}`}>
      <div className={styles.head}>
        <div>
          <div className={styles.name}>{agent.name}</div>
          <div className={styles.sub}>{osLine || agent.address}</div>
        </div>
        <StatusPill
          tone={status === "up" ? "up" : status === "down" ? "down" : "unknown"}
          testId={`fleet-agent-status-${agent.id}`}
        >
          {status === "up" ? "Up" : status === "down" ? "Down" : "Connecting"}
        </StatusPill>
      </div>
      <div className={styles.stats}>
        <div>
          <div className={styles.statLabel}>CPU</div>
          <div className={styles.statValue} data-testid={`fleet-agent-cpu-${agent.id}`}>
            {latest && status === "up" ? formatPercent(latest.cpu) : "—"}
          </div>
          <div className={styles.statHint}>{info.data ? `${info.data.cpuCount} cores` : "\u00a0"}</div>
        </div>
        <div>
          <div className={styles.statLabel} title={latest?.memTotalBytes ? `of ${formatBytes(latest.memTotalBytes)}` : undefined}>
            Memory
          </div>
          <div className={styles.statValue} data-testid={`fleet-agent-mem-${agent.id}`}>
            {latest && status === "up" ? formatPercent(latest.memPercent) : "—"}
          </div>
          <div className={styles.statHint}>
            {latest ? `${formatBytes(latest.memBytes)} used` : "\u00a0"}
          </div>
        </div>
        <div>
          <div className={styles.statLabel}>Services</div>
          <div className={styles.statValue} data-testid={`fleet-agent-services-${agent.id}`}>
            {list ? list.length : "—"}
          </div>
          <div className={styles.statHint}>{list ? `${running} running` : "\u00a0"}</div>
        </div>
      </div>
      {status === "down" ? (
        <div className={styles.down} data-testid={`fleet-agent-error-${agent.id}`}>
          {error}
        </div>
      ) : (
        <div>
          <div className={styles.sparkLabel}>
            <span>CPU, last 10 minutes</span>
            <span>0–100 %</span>
          </div>
          <Sparkline points={spark} testId={`fleet-agent-sparkline-${agent.id}`} />
        </div>
      )}
    </Link>
  );
}
