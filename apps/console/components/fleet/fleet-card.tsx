import Link from "next/link";
import { memo } from "react";
import { formatBytes, formatDateTime, formatPercent } from "../../lib/client/format";
import type { MachineState } from "../../lib/shared/fleet-types";
import { AlertBadge } from "../alerts/alert-badge";
import { StatusPill } from "../ui/status-pill";
import styles from "./fleet-card.module.css";
import { LabelChips } from "./label-chips";
import { Sparkline } from "./sparkline";

const REACH = { up: { tone: "up", label: "Up" }, down: { tone: "down", label: "Down" }, connecting: { tone: "unknown", label: "Connecting" } } as const;

/** One machine as the fleet stream last said: drawn from its state, never asking its agent. */
export const FleetCard = memo(function FleetCard({ machine: m }: { machine: MachineState }) {
  const reach = REACH[m.reach];
  const up = m.reach === "up";
  const running = m.services.filter((s) => s.state === "running").length;
  const osLine = [m.info?.hostname, m.info?.osRelease || m.info?.os].filter(Boolean).join(" · ");
  const since = `${reach.label} since ${formatDateTime(m.since, true)}`;
  return (
    // No prefetch: a page of cards must not turn into a page of requests.
    <Link
      href={`/agents/${encodeURIComponent(m.id)}`}
      prefetch={false}
      className={`card ${styles.card}`}
      data-testid={`fleet-agent-${m.id}`}
      data-state={m.reach}
      data-failed={m.failed}
      data-perf-t={m.perf?.t}
    >
      <div className={styles.head}>
        <div>
          <div className={styles.name}>{m.name}</div>
          <div className={styles.sub}>{osLine || m.address}</div>
        </div>
        <div className={styles.badges}>
          <AlertBadge agentId={m.id} />
          {m.failed > 0 ? (
            <span className={styles.failed} data-testid={`fleet-agent-failed-${m.id}`} title={m.services.filter((s) => s.state === "failed").map((s) => s.name).join(", ")}>
              {m.failed} failed
            </span>
          ) : null}
          <StatusPill tone={reach.tone} testId={`fleet-agent-status-${m.id}`} title={m.reason ? `${since}: ${m.reason}` : since}>
            {reach.label}
          </StatusPill>
        </div>
      </div>
      <LabelChips labels={m.labels} testId={`fleet-agent-labels-${m.id}`} />
      <div className={styles.stats}>
        <div>
          <div className={styles.statLabel}>CPU</div>
          <div className={styles.statValue} data-testid={`fleet-agent-cpu-${m.id}`}>
            {up && m.perf ? formatPercent(m.perf.cpuPercent) : "—"}
          </div>
          <div className={styles.statHint}>{m.info ? `${m.info.cpuCount} cores` : "\u00a0"}</div>
        </div>
        <div>
          <div className={styles.statLabel} title={m.perf ? `of ${formatBytes(m.perf.memTotalBytes)}` : undefined}>
            Memory
          </div>
          <div className={styles.statValue} data-testid={`fleet-agent-mem-${m.id}`}>
            {up && m.perf ? formatPercent(m.perf.memPercent) : "—"}
          </div>
          <div className={styles.statHint}>{m.perf ? `${formatBytes(m.perf.memUsedBytes)} used` : "\u00a0"}</div>
        </div>
        <div>
          <div className={styles.statLabel}>Disk</div>
          <div className={styles.statValue} data-testid={`fleet-agent-disk-${m.id}`}>
            {up && m.perf?.disk ? formatPercent(m.perf.disk.usedPercent) : "—"}
          </div>
          <div className={styles.statHint} title="the fullest filesystem">
            {m.perf?.disk ? m.perf.disk.mountPoint : "\u00a0"}
          </div>
        </div>
        <div>
          <div className={styles.statLabel}>Services</div>
          <div className={styles.statValue} data-testid={`fleet-agent-services-${m.id}`}>
            {m.info ? m.services.length : "—"}
          </div>
          <div className={styles.statHint}>{m.info ? `${running} running` : "\u00a0"}</div>
        </div>
      </div>
      {m.reach === "down" ? (
        <div className={styles.down} data-testid={`fleet-agent-error-${m.id}`}>
          {since}
          {m.reason ? `: ${m.reason}` : ""}
        </div>
      ) : (
        <div>
          <div className={styles.sparkLabel}>
            <span>CPU, last 10 minutes</span>
            <span>0–100 %</span>
          </div>
          <Sparkline values={m.spark} testId={`fleet-agent-sparkline-${m.id}`} />
        </div>
      )}
    </Link>
  );
});
