import type { AgentInfoResponse } from "@sysward/proto";
import { formatBytes, formatDuration } from "../../lib/client/format";
import { ErrorNotice } from "../ui/error-notice";
import styles from "./agent-info-strip.module.css";

/** The machine at a glance, from AgentInfo. */
export function AgentInfoStrip({ info, error }: { info: AgentInfoResponse | undefined; error: string | null }) {
  if (error && !info) return <ErrorNotice title="The agent is not answering" message={error} testId="agent-error" />;
  const items: [string, string, string][] = info
    ? [
        ["Host", info.hostname || "—", "agent-hostname"],
        ["System", [info.osRelease || info.os, info.arch].filter(Boolean).join(" · ") || "—", "agent-os"],
        ["Kernel", info.kernel || "—", "agent-kernel"],
        ["CPU", `${info.cpuCount} × ${info.cpuModel || "CPU"}`, "agent-cpu"],
        ["Memory", formatBytes(info.memoryTotalBytes), "agent-memory"],
        ["Runtime", info.runtime ? `${info.runtime} · ${isolationLabel(info)}` : "—", "agent-runtime"],
        ["Agent", `${info.agentVersion || "?"} · up ${formatDuration(info.agentUptimeSeconds)}`, "agent-version"],
      ]
    : [];
  const unsandboxed = info?.isolation && !info.isolation.sandboxed ? info.isolation : undefined;
  return (
    <>
      {unsandboxed && (
        <ErrorNotice
          title={unsandboxed.policy === "required" ? "Services cannot be sandboxed here: installs are refused" : "Not sandboxed: services on this machine can read the agent's secrets"}
          message={unsandboxed.detail}
          testId="agent-not-sandboxed"
        />
      )}
      <section className="card" data-testid="agent-info">
        <div className={styles.strip}>
          {info
            ? items.map(([label, value, id]) => (
                <div key={label}>
                  <div className={styles.label}>{label}</div>
                  <div className={styles.value} data-testid={id} title={label === "Runtime" ? info.runtimeReason : undefined}>
                    {value}
                  </div>
                </div>
              ))
            : Array.from({ length: 6 }, (_, i) => (
                <div key={i}>
                  <div className={`skeleton`} style={{ height: 10, width: 60, marginBottom: 6 }} />
                  <div className={`skeleton`} style={{ height: 14, width: "80%" }} />
                </div>
              ))}
        </div>
      </section>
    </>
  );
}

/** "sandboxed", "sandboxed, a uid per service", or NOT SANDBOXED; agents before isolation was reported say only what capabilities did. */
export function isolationLabel(info: AgentInfoResponse): string {
  const iso = info.isolation;
  if (!iso) return info.capabilities?.sandboxing ? "sandboxed" : "NOT SANDBOXED";
  if (!iso.sandboxed) return "NOT SANDBOXED";
  return iso.separateUsers ? "sandboxed, a uid per service" : "sandboxed";
}
