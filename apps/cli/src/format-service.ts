// Services for people: the table `sysward ls` prints and the one-line summaries the service
// commands print after acting.
import { timestampMs } from "@bufbuild/protobuf/wkt";
import { InstallPhase, ServiceState, type Service } from "@sysward/proto";
import { formatBytes, formatDuration, formatPercent, formatTable } from "./output";

function stateName(state: ServiceState): string {
  return ServiceState[state]?.toLowerCase() ?? "unknown";
}

const INSTALLING = new Set([InstallPhase.RECEIVING, InstallPhase.VERIFYING, InstallPhase.STARTING, InstallPhase.HEALTH]);

/** "running", or "running (installing: health check: 4 s left)" while an install is under way. */
export function describeState(s: Service): string {
  const state = stateName(s.state);
  return INSTALLING.has(s.phase) ? `${state} (installing: ${s.phaseDetail || InstallPhase[s.phase]!.toLowerCase()})` : state;
}

function pids(s: Service): string {
  return s.pids.length === 0 ? "-" : s.pids.join(",");
}

export function servicesTable(services: readonly Service[], nowMs: number): string {
  const rows = [...services]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((s) => [
      s.name,
      describeState(s),
      s.version?.id || "-",
      pids(s),
      s.state === ServiceState.RUNNING ? formatPercent(s.cpuPercent) : "-",
      s.state === ServiceState.RUNNING ? formatBytes(s.rssBytes) : "-",
      String(s.restarts),
      s.since ? formatDuration((nowMs - timestampMs(s.since)) / 1000) : "-",
    ]);
  return formatTable(["NAME", "STATE", "VERSION", "PID", "CPU", "RSS", "RESTARTS", "FOR"], rows);
}

/** "hello: running, version 2-1a2b3c4d, pid 1234" */
export function serviceSummary(s: Service): string {
  const parts = [stateName(s.state)];
  if (s.version?.id) parts.push(`version ${s.version.id}`);
  if (s.pids.length > 0) parts.push(`pid ${pids(s)}`);
  if (s.state === ServiceState.FAILED && (s.lastExitCode || s.lastExitSignal)) {
    parts.push(s.lastExitSignal ? `last exit by ${s.lastExitSignal}` : `last exit code ${s.lastExitCode}`);
  }
  // Why, when the agent says (a crash loop it gave up on, and what to do).
  if (s.stateDetail) parts.push(s.stateDetail);
  return `${s.name}: ${parts.join(", ")}`;
}
